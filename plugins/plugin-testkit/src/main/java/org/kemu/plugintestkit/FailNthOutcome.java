package org.kemu.plugintestkit;

import java.util.List;
import org.kemu.lab.pluginhost.PluginException;
import org.kemu.pluginapi.PluginResult;

/**
 * A plugin run with fail-nth armed on its main task.
 *
 * @param result the result when the run succeeded, else null
 * @param failure the error when it failed, else null
 * @param reached injection points the main task reached
 * @param fired whether the armed failure fired
 * @param sites the injection points reached, in order
 */
public record FailNthOutcome(int n, PluginResult result, PluginException failure, int reached, boolean fired,
        List<String> sites) {
    public boolean failed() {
        return failure != null;
    }
}
