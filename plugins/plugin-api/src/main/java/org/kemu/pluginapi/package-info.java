/**
 * plugin-api: the stable SPI through which further padata users (hugetlb_fallocate, deferred struct page init, ...) are found with ServiceLoader and given the kernel's services. No Guice types in its signatures.
 */
package org.kemu.pluginapi;
