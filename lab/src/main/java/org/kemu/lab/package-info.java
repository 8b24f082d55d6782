/**
 * lab: the composition root (Guice), machine profiles, workloads (qemu guest init, usemem, CPU load), experiments, reports and the bin/kemu CLI.
 */
package org.kemu.lab;
