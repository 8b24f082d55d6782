package org.kemu.vfiotype1;

import java.util.List;
import org.kemu.mmgup.MmGup;
import org.kemu.padatacore.Padata;
import org.kemu.schedfair.Kernel;
import org.kemu.vfiotype1.type1.DefaultType1Containers;

/**
 * A VFIO type1 container ({@code struct vfio_iommu} of drivers/vfio/vfio_iommu_type1.c) with its pin
 * path: the one entry to the driver.
 *
 * <pre>{@code
 * MmGup mm = MmGup.create(kernel, MemoryConfig.defaults());
 * Type1Container c = Type1Container.open(kernel, mm, padata, Type1Params.defaults(),
 *         PinConfig.padata(16), Type1Costs.placeholder());
 * kernel.spawn(TaskSpec.user("qemu", 1), () -> {
 *     c.attachDomain(IommuDomainSpec.vtd("vtd0"));
 *     c.mapDma(DmaMapRequest.rw(vaddr, iova, size));   // from the task that owns the mm
 *     c.unmapDma(DmaUnmapRequest.all());
 * }, qemu -> qemu.attach(MmStruct.class, guestMm));
 * kernel.run();
 * assert c.checkInvariants().isEmpty();
 * }</pre>
 *
 * <p>Ioctls run in an emulated task: MAP_DMA takes {@code current}'s mm (the task's
 * {@code MmStruct} attachment), as the kernel takes {@code current->mm}. Errors are
 * {@link org.kemu.schedfair.KernelException}s with the kernel's errno, in the kernel's check order,
 * and leave no pin, charge, mapping or entry behind.
 */
public interface Type1Container {

    /** Opens a container over mm-gup's services; {@code padata} may be null unless the mode is PADATA. */
    static Type1Container open(Kernel kernel, MmGup mm, Padata padata, Type1Params params, PinConfig pin,
            Type1Costs costs) {
        return DefaultType1Containers.INSTANCE.open(kernel, mm, padata, params, pin, costs);
    }

    /** As above with free type1 costs and, for PADATA, padata with the 2022 series' features and free costs. */
    static Type1Container open(Kernel kernel, MmGup mm, Type1Params params, PinConfig pin) {
        return DefaultType1Containers.INSTANCE.open(kernel, mm, null, params, pin, Type1Costs.FREE);
    }

    Kernel kernel();

    PinConfig pinConfig();

    /** Allocates a domain of {@code spec} and attaches it (VFIO_SET_IOMMU / group attach); in a task. */
    IommuDomain attachDomain(IommuDomainSpec spec);

    /** VFIO_IOMMU_MAP_DMA from the current task. */
    void mapDma(DmaMapRequest req);

    /**
     * The review's user-space alternative made cheaper (not a kernel interface): MAP_DMA whose checks,
     * allocation and linking happen under the container mutex as usual, but whose pinning and IOMMU
     * mapping run after the mutex is dropped, so that N tasks mapping disjoint slices pin at the same
     * time; the size is published under the mutex again. While in flight the entry reserves its IOVA
     * range (an overlapping MAP_DMA gets EEXIST), UNMAP_DMA skips it and attaching a domain is EBUSY.
     * All or nothing as {@link #mapDma}.
     */
    void mapDmaPinOutsideMutex(DmaMapRequest req);

    /**
     * The checks {@code vfio_dma_do_map()} makes of {@code req} before it allocates anything, in the
     * kernel's order and with its errnos, without mapping: for user space that splits one request
     * into slices, so that a request the kernel refuses whole is refused before any slice is issued.
     */
    void checkMapDma(DmaMapRequest req);

    /** VFIO_IOMMU_UNMAP_DMA; returns the bytes unmapped. */
    long unmapDma(DmaUnmapRequest req);

    /** VFIO_IOMMU_GET_INFO with a readable buffer of {@code argsz} bytes. */
    Type1Info getInfo(int argsz);

    Type1Stats stats();

    /**
     * Every invariant, empty when all hold: the IOMMU page tables equal the DMA tree
     * ({@code IommuInvariants}), pins balanced and equal to the pages the DMA tree maps, each mm's
     * locked_vm equal to the sum of its dmas' charges, and each dma charged for exactly its normal
     * (non-reserved) pages. Run between ioctls.
     */
    List<String> checkInvariants();
}
