package org.kemu.schedfair.sim;

import org.kemu.schedfair.Completion;
import org.kemu.schedfair.CpuCgroup;
import org.kemu.schedfair.CpuController;
import org.kemu.schedfair.Kernel;
import org.kemu.schedfair.Mutex;
import org.kemu.schedfair.RwSemaphore;

/**
 * What the engine-equivalence tests' busy worlds share (CarrierEquivalenceTest, OwnEventShortcutTest):
 * a group limited to 1.5 CPUs, a mutex, an rwsem and a completion.
 */
record BusyWorldParts(CpuCgroup limited, Mutex mutex, RwSemaphore rwsem, Completion done) {

    static BusyWorldParts of(Kernel k) {
        CpuController cc = k.cpuController();
        CpuCgroup g = cc.mkdir(cc.root(), "limited");
        g.writeCpuMax("150000 100000");
        return new BusyWorldParts(g, k.mutex("m"), k.rwsem("sem"), k.completion("done"));
    }
}
