/**
 * plugin-api: the plugin SPI. A plugin implements {@link org.kemu.pluginapi.KernelJobPlugin}, declares
 * its parameters ({@link org.kemu.pluginapi.PluginParam}) and runs its job through a
 * {@link org.kemu.pluginapi.PluginContext} of narrow views of the kernel. The registry, runner and boot
 * live in the host (lab's {@code org.kemu.lab.pluginhost}); no implementation type is reachable from here.
 */
package org.kemu.pluginapi;
