package org.kemu.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kemu.lab.trace.RunObservation;
import org.kemu.padatacore.PadataFeatures;
import org.kemu.mmgup.LockedVm;
import org.kemu.mmgup.MmStruct;
import org.kemu.mmgup.testing.ForwardingLockedVm;
import org.kemu.mmgup.mm.DefaultLockedVm;
import org.kemu.schedfair.BandwidthPolicy;
import org.kemu.schedfair.CpuCgroup;
import org.kemu.schedfair.CpuController;
import org.kemu.schedfair.MachineSpec;
import org.kemu.schedfair.SyntheticLoads;
import org.kemu.schedfair.TaskSpec;
import org.kemu.schedfair.ThrottleModel;
import org.kemu.schedfair.TraceEvent;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.Nice;
import org.kemu.schedfair.PickPolicy;
import org.kemu.schedfair.Task;
import org.kemu.vfiotype1.IommuDomain;
import org.kemu.vfiotype1.IommuDomainFactory;
import org.kemu.vfiotype1.DmaMapRequest;
import org.kemu.vfiotype1.PinConfig;
import org.kemu.vfiotype1.Type1Container;
import org.kemu.vfiotype1.Type1ContainerFactory;
import org.kemu.vfiotype1.Type1Costs;
import org.kemu.vfiotype1.Type1Params;
import org.kemu.vfiotype1.type1.DefaultType1Containers;
import org.kemu.vfiotype1.iommu.IommuDomains;

/**
 * Each binding of the root (docs/bindings-table.md) overridden, and its effect seen in what a run
 * produced, not in the injector; plus the two defects of issue 12 that the old root had.
 */
class BindingsTest {
    private final MachineProfile intel = Profiles.builtIn("intel-8167m");
    private final GuestSpec small = new GuestSpec(Backing.HUGETLB, 1L << 30, 0);

    /** A domain factory that remembers every domain it made (the default's domains). */
    static final class Recording implements IommuDomainFactory {
        final List<IommuDomain> made = new ArrayList<>();

        @Override
        public IommuDomain allocate(Kernel kernel, org.kemu.vfiotype1.IommuDomainSpec spec) {
            IommuDomain d = IommuDomains.create(kernel, spec);
            made.add(d);
            return d;
        }
    }

    @Test
    void theConfigReportsTheBoundPartsNotTheOnesBootedWith() {
        // issue 12 defect 1: an overridden binding kept lab.config() reporting what LabConfig said
        Lab lab = Lab.boot(intel, LabConfig.of(1, PinConfig.serial()), org.kemu.mmgup.MemoryConfig.defaults(),
                b -> b.bind(PinConfig.class).toInstance(PinConfig.padata(4).withLockCachePages(0)),
                b -> b.bind(PickPolicy.class).toInstance(PickPolicy.EEVDF),
                b -> b.bind(PadataFeatures.class).toInstance(PadataFeatures.mainline()));
        assertThat(lab.config().pin()).isEqualTo(PinConfig.padata(4).withLockCachePages(0));
        assertThat(lab.config().pickPolicy()).isEqualTo(PickPolicy.EEVDF);
        assertThat(lab.config().padataFeatures()).isEqualTo(PadataFeatures.mainline());
        assertThat(lab.config().seed()).isEqualTo(1);
    }

    @Test
    void anOverriddenDomainFactorySeesTheGuestsMapCallsAndComposesWithMetrics() {
        // issue 12 defect 2: with metrics on (--format json), this override failed with BindingAlreadySet
        Recording recording = new Recording();
        try (RunObservation observation = RunObservation.open(null).collectMetrics(true)) {
            GuestInitResult r = Lab.guestInit(intel, LabConfig.of(1, PinConfig.serial()), small, observation,
                    b -> b.bind(IommuDomainFactory.class).toInstance(recording));
            assertThat(r.invariantViolations()).isEmpty();
            assertThat(recording.made).hasSize(1);
            assertThat(recording.made.get(0).stats().mapCalls()).isPositive();
            assertThat(recording.made.get(0).mappedBytes()).isGreaterThanOrEqualTo(small.memBytes());
            // the observer watched the same domain through the override
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> iommu = (List<Map<String, Object>>) observation.takeMetrics().orElseThrow()
                    .get("iommu");
            assertThat(iommu).hasSize(1);
            assertThat(iommu.get(0).get("map_calls")).isEqualTo(recording.made.get(0).stats().mapCalls());
        }
    }

    @Test
    void padataFeaturesDecideTheHelpersNice() {
        // patch 13 (docs/kernel/padata.md section 3.2): helpers are created at MAX_NICE (patch 14 lends the waiting
        // main task's nice to one unfinished helper at a time, so some end at 0); mainline's never are
        assertThat(helperNices(PadataFeatures.rfc2022())).isNotEmpty().contains(Nice.MAX_NICE);
        // (the padata pin path needs patches 2-3 whatever else is switched off)
        assertThat(helperNices(PadataFeatures.mainline().withReturnFirstError(true).withUndo(true))).isNotEmpty()
                .doesNotContain(Nice.MAX_NICE);
    }

    private List<Integer> helperNices(PadataFeatures features) {
        Lab lab = Lab.boot(intel, LabConfig.of(1, PinConfig.padata(8).withLockCachePages(0)), org.kemu.lab.workload.GuestInit
                .memoryFor(intel, small), b -> b.bind(PadataFeatures.class).toInstance(features));
        new org.kemu.lab.workload.GuestInit(lab, small).run();
        return lab.kernel().tasks().stream().filter(t -> !t.name().startsWith("qemu"))
                .filter(t -> t.name().startsWith("padata") || t.name().startsWith("kworker")).map(Task::nice)
                .toList();
    }

    private static final long MS = 1_000_000L;

    /** A booted lab on a small uncalibrated machine, with {@code overrides}. */
    private static Lab small(int cpus, com.google.inject.Module... overrides) {
        return Lab.boot(MachineProfile.of(MachineSpec.simple(cpus)), LabConfig.defaults(1),
                org.kemu.mmgup.MemoryConfig.ofBytesPerNode(1L << 30), overrides);
    }

    /** The CPU slices of two CPU hogs sharing the one CPU of the booted kernel. */
    private static List<TraceEvent.CpuSlice> twoHogSlices(Lab lab) {
        Kernel k = lab.kernel();
        List<TraceEvent.CpuSlice> slices = new ArrayList<>();
        k.tracer().setSink(e -> {
            if (e instanceof TraceEvent.CpuSlice c) {
                slices.add(c);
            }
        });
        SyntheticLoads.cpuHog(k, TaskSpec.kthread("a"), 30 * MS);
        SyntheticLoads.cpuHog(k, TaskSpec.kthread("b"), 30 * MS);
        k.run();
        return slices;
    }

    @Test
    void pickPolicyDecidesHowLongEachRunLasts() {
        // CFS (5.14, unscaled on one CPU): two equal tasks get sched_latency / 2 = 3 ms per run
        // (sched_slice); EEVDF (6.6+): one base slice of 0.75 ms per request (update_deadline),
        // noticed at the next 1 ms tick (HRTICK off), so at most one tick per run
        List<TraceEvent.CpuSlice> cfs = twoHogSlices(small(1));
        List<TraceEvent.CpuSlice> eevdf = twoHogSlices(small(1, b -> b.bind(PickPolicy.class).toInstance(PickPolicy.EEVDF)));
        assertThat(longest(cfs.subList(1, cfs.size() - 2))).isGreaterThan(2 * MS);
        assertThat(longest(eevdf.subList(1, eevdf.size() - 2))).isLessThanOrEqualTo(1 * MS);
        assertThat(eevdf.size()).isGreaterThan(2 * cfs.size());
    }

    private static long longest(List<TraceEvent.CpuSlice> slices) {
        return slices.stream().mapToLong(c -> c.end() - c.start()).max().orElseThrow();
    }

    /** Virtual time a 300 ms kthread hog in a group limited to half a CPU takes to finish. */
    private static long kthreadHogInHalfCpuGroup(Lab lab) {
        Kernel k = lab.kernel();
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "vm");
        g.writeCpuMax("50000 100000");
        long[] end = new long[1];
        Task t = k.spawn(TaskSpec.kthread("worker"), () -> {
            k.work(300 * MS);
            end[0] = k.now();
        });
        cc.attach(t, g);
        k.run();
        return end[0];
    }

    @Test
    void throttleModelDecidesWhetherAKthreadIsThrottled() {
        // before 6.18 a throttled cfs_rq holds every entity on it, kthreads included
        // (throttle_cfs_rq); 6.18's task-based throttling only takes user tasks off, at their return
        // to user space, so a kthread in the group runs on
        // (50 ms per 100 ms period: six quotas, the first at once, so at least five periods)
        assertThat(kthreadHogInHalfCpuGroup(small(1))).isGreaterThan(500 * MS);
        assertThat(kthreadHogInHalfCpuGroup(small(1, b -> b.bind(ThrottleModel.class)
                .toInstance(ThrottleModel.TASK_BASED)))).isEqualTo(300 * MS);
    }

    /** System time a group is charged for 30 ms of kthread work done for it remotely. */
    private static long remoteChargedSystemUsec(Lab lab) {
        Kernel k = lab.kernel();
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "vm");
        k.spawn(TaskSpec.kthread("padata"), () -> {
            cc.remoteBegin(k.current(), g);
            k.work(30 * MS);
            cc.remoteCharge(k.current(), g);
        });
        k.run();
        return g.cpuStat().systemUsec();
    }

    @Test
    void bandwidthPolicyDecidesWhetherRemoteWorkIsCharged() {
        // patches 15-16 of the 2022 series: cpu_cgroup_remote_charge books the helper's runtime to the
        // group as system time; the standard policy books nothing
        assertThat(remoteChargedSystemUsec(small(2))).isZero();
        assertThat(remoteChargedSystemUsec(small(2, b -> b.bind(BandwidthPolicy.class)
                .toInstance(BandwidthPolicy.REMOTE_CHARGING)))).isEqualTo(30_000L);
    }

    /** A locked_vm model that counts its charges and delegates to the default. */
    static final class CountingLockedVm extends ForwardingLockedVm {
        long locked;

        CountingLockedVm(Kernel k) {
            super(new DefaultLockedVm(k));
        }

        @Override
        public void accountLockedVm(MmStruct mm, long npages, boolean inc) {
            locked++;
            delegate.accountLockedVm(mm, npages, inc);
        }

        @Override
        public void accountLockedVmLocked(MmStruct mm, long npages, boolean inc, long rlimitBytes,
                boolean bypassRlim) {
            locked++;
            delegate.accountLockedVmLocked(mm, npages, inc, rlimitBytes, bypassRlim);
        }
    }

    @Test
    void theBoundLockedVmModelIsTheOneThePinPathCharges() {
        CountingLockedVm[] model = new CountingLockedVm[1];
        Lab lab = Lab.boot(intel, LabConfig.of(1, PinConfig.serial()),
                org.kemu.lab.workload.GuestInit.memoryFor(intel, small), new com.google.inject.AbstractModule() {
                    @com.google.inject.Provides
                    @com.google.inject.Singleton
                    LockedVm lockedVm(Kernel k) {
                        return model[0] = new CountingLockedVm(k);
                    }
                });
        GuestInitResult r = new org.kemu.lab.workload.GuestInit(lab, small).run();
        assertThat(r.invariantViolations()).isEmpty();
        // vfio_lock_acct charges every contiguous run through the model (mm/util.c __account_locked_vm)
        assertThat(model[0].locked).isPositive();
        assertThat(model[0].warnings()).isZero();
    }

    /** A type1 driver that logs every MAP_DMA request and passes it on to the default driver. */
    static final class LoggingContainers implements Type1ContainerFactory {
        final List<DmaMapRequest> maps = new ArrayList<>();

        @Override
        public Type1Container open(Kernel kernel, org.kemu.mmgup.MmGup mm, org.kemu.padatacore.Padata padata,
                Type1Params params, PinConfig pin, Type1Costs costs) {
            Type1Container d = new DefaultType1Containers(new IommuDomains()).open(kernel, mm, padata, params, pin,
                    costs);
            return new Type1Container() {
                @Override
                public Kernel kernel() {
                    return d.kernel();
                }

                @Override
                public PinConfig pinConfig() {
                    return d.pinConfig();
                }

                @Override
                public IommuDomain attachDomain(org.kemu.vfiotype1.IommuDomainSpec spec) {
                    return d.attachDomain(spec);
                }

                @Override
                public void mapDma(DmaMapRequest req) {
                    maps.add(req);
                    d.mapDma(req);
                }

                @Override
                public void mapDmaPinOutsideMutex(DmaMapRequest req) {
                    maps.add(req);
                    d.mapDmaPinOutsideMutex(req);
                }

                @Override
                public void checkMapDma(DmaMapRequest req) {
                    d.checkMapDma(req);
                }

                @Override
                public long unmapDma(org.kemu.vfiotype1.DmaUnmapRequest req) {
                    return d.unmapDma(req);
                }

                @Override
                public org.kemu.vfiotype1.Type1Info getInfo(int argsz) {
                    return d.getInfo(argsz);
                }

                @Override
                public org.kemu.vfiotype1.Type1Stats stats() {
                    return d.stats();
                }

                @Override
                public List<String> checkInvariants() {
                    return d.checkInvariants();
                }
            };
        }
    }

    @Test
    void theBoundType1DriverIsTheOneGuestInitTalksTo() {
        LoggingContainers driver = new LoggingContainers();
        GuestInitResult r = Lab.guestInit(intel, LabConfig.of(1, PinConfig.serial()), small,
                b -> b.bind(Type1ContainerFactory.class).toInstance(driver));
        assertThat(r.invariantViolations()).isEmpty();
        // one MAP_DMA per RAM section of the machine type, in qemu's order (GuestInit's sequence)
        var sections = org.kemu.lab.workload.PcMemoryInit.vfioSections(small.machine(), small.memBytes());
        assertThat(driver.maps).extracting(m -> m.iova())
                .containsExactlyElementsOf(sections.stream().map(s -> s.iova()).toList());
        assertThat(driver.maps).extracting(m -> m.size())
                .containsExactlyElementsOf(sections.stream().map(s -> s.size()).toList());
    }
}
