package org.kemu.schedfair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** memory.max / memory.current with 5.14 page_counter_try_charge / page_counter_uncharge semantics. */
class MemCgroupTest {

    @Test
    void chargesCountUpTheHierarchyAndUnchargeReturnsThem() {
        MemCgroup parent = MemCgroup.ROOT.child("a", 1000);
        MemCgroup child = parent.child("b", MemCgroup.MAX);
        child.charge(300);
        assertThat(child.current()).isEqualTo(300);
        assertThat(parent.current()).isEqualTo(300);
        child.uncharge(300);
        assertThat(child.current()).isZero();
        assertThat(parent.current()).isZero();
        assertThat(child.watermark()).isEqualTo(300);
        assertThat(child.name()).isEqualTo("/a/b");
    }

    @Test
    void anAncestorsBreachIsEnomemAndLeavesNothingCharged() {
        // page_counter_try_charge: on a breach at any level, the levels already charged are reverted
        MemCgroup parent = MemCgroup.ROOT.child("a", 100);
        MemCgroup child = parent.child("b", 1000);
        child.charge(60);
        assertThatThrownBy(() -> child.charge(50)).isInstanceOfSatisfying(KernelException.class, e -> {
            assertThat(e.errno()).isEqualTo(Errno.ENOMEM);
            assertThat(e.getMessage()).contains("try_charge:memory.max").contains("/a");
        });
        assertThat(child.current()).isEqualTo(60);
        assertThat(parent.current()).isEqualTo(60);
        assertThat(parent.failcnt()).isEqualTo(1);
        assertThat(child.failcnt()).isZero();
    }

    @Test
    void chargingUpToTheLimitExactlySucceeds() {
        MemCgroup cg = MemCgroup.ROOT.child("a", 64);
        cg.charge(64);
        assertThat(cg.current()).isEqualTo(64);
        assertThatThrownBy(() -> cg.charge(1)).isInstanceOf(KernelException.class);
    }

    @Test
    void theRootIsNeitherLimitedNorCounted() {
        // 5.14 try_charge: if (mem_cgroup_is_root(memcg)) return 0;
        MemCgroup.ROOT.charge(1L << 40);
        assertThat(MemCgroup.ROOT.current()).isZero();
        assertThat(MemCgroup.ROOT.isRoot()).isTrue();
    }

    @Test
    void unchargingMoreThanChargedIsABug() {
        MemCgroup cg = MemCgroup.ROOT.child("a", 10);
        cg.charge(2);
        assertThatThrownBy(() -> cg.uncharge(3)).isInstanceOf(IllegalStateException.class);
        assertThat(cg.current()).isEqualTo(2);
    }
}
