package org.kemu.lab.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kemu.lab.MachineProfile;

/** The hugetlb boot experiments' machines and pools (the tables are run in cli's HugetlbBootExperimentsTest). */
class HugetlbBootMachinesTest {
    @Test
    void derivedMachinesHaveTheSetupsCpusNodesAndMemory() {
        // the setups: 256 CPUs / 2 TiB / 4 nodes, 128 CPUs / 1 TiB / 2 nodes, a 12 TiB host, 144 and 192 CPUs
        for (Object[] m : new Object[][] {{"amd-milan-256c-2t-nps2", 256, 4, 2048L}, {"amd-7543-128c-1t", 128, 2, 1024L},
            {"intel-8280l-12t", 448, 8, 12288L}, {"intel-6140-144c", 144, 4, 1536L}, {"intel-8260-192c", 192, 4, 1536L},
            {"amd-7543-256g", 128, 2, 256L}, {"amd-7543-50g", 128, 2, 50L}}) {
            MachineProfile p = DerivedProfiles.load((String) m[0]);
            assertThat(p.topology().nrCpus()).as((String) m[0]).isEqualTo(m[1]);
            assertThat(p.topology().nodes()).as((String) m[0]).isEqualTo(m[2]);
            assertThat(p.topology().memoryPerNodeBytes() * p.topology().nodes() >> 30).as((String) m[0]).isEqualTo(m[3]);
        }
    }

    @Test
    void zenPartsShareAnL3PerCcxAndIntelPartsPerSocket() {
        // Linux's MC domain spans the L3's shared_cpu_map: an 8-core CCX on Zen 3, the socket on Skylake-SP/Cascade Lake
        assertThat(DerivedProfiles.load("amd-milan-256c-2t-nps2").topology().coresPerLlc()).isEqualTo(8);
        assertThat(DerivedProfiles.load("amd-7543-128c-1t").topology().coresPerLlc()).isEqualTo(8);
        assertThat(DerivedProfiles.load("intel-8260-192c").topology().coresPerLlc()).isEqualTo(24);
        assertThat(DerivedProfiles.load("intel-8280l-12t").topology().coresPerLlc()).isEqualTo(28);
    }

    @Test
    void poolIsTheCoverLettersShareInWholePagesPerNode() {
        // 1,800 of 2,048 GiB on the 2 TiB machine; 11,776 GiB on the 12 TiB host
        assertThat(HugetlbBootExperiments.poolBytes(DerivedProfiles.load("amd-milan-256c-2t-nps2"), "1G", 1) >> 30)
                .isEqualTo(1800L);
        assertThat(HugetlbBootExperiments.poolBytes(DerivedProfiles.load("intel-8280l-12t"), "1G", 1) >> 30)
                .isEqualTo(11_776L);
        // 25 GiB per node = 12,800 2 MiB pages, x 1800/2048 = 11,250 per node
        assertThat(HugetlbBootExperiments.poolBytes(DerivedProfiles.load("amd-7543-50g"), "2M", 1))
                .isEqualTo(2 * 11_250 * (2L << 20));
        // --quick: whole pages per node of the scaled share, 11,250 / 32 = 351.6 -> 351
        assertThat(HugetlbBootExperiments.poolBytes(DerivedProfiles.load("amd-7543-50g"), "2M", 1.0 / 32))
                .isEqualTo(2 * 351 * (2L << 20));
    }
}
