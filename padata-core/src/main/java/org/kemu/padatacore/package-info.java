/**
 * padata-core: padata_do_multithreaded with the mainline algorithm and the additions of the 2022 multithreaded VFIO pinning series (errors, undo, lockdep, kthread helpers, caps, nicing, remote charging). Built on the runtime of sched-fair.
 */
package org.kemu.padatacore;
