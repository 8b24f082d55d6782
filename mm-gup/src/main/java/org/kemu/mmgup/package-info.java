/**
 * mm-gup: physical memory by node and zone in folios of order 0, 9 and 18, address spaces with VMAs and page tables, page faults, GUP pinning (per-page and folio-batched) and locked_vm accounting. Built on the runtime of sched-fair; see docs/design.md section 4.
 */
package org.kemu.mmgup;
