/**
 * Test kit for plugin authors: {@link org.kemu.plugintestkit.KemuExtension} boots a small simulated
 * machine per test, {@link org.kemu.plugintestkit.PluginTestMachine} runs plugins on it with fail-nth
 * injection and invariant checks.
 */
package org.kemu.plugintestkit;
