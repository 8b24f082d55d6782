package org.kemu.lab.profile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kemu.lab.Profiles;

/** docs/calibration.md states what every constant means: a constant added to a cost record needs its meaning. */
class ProfileMeaningsTest {
    @Test
    void everyConstantOfTheBuiltInProfilesHasAMeaning() {
        List<String> missing = new ArrayList<>();
        for (String name : List.of("intel-8167m", "amd-7j13")) {
            ProfileCodec.groups(Profiles.builtIn(name)).forEach((g, params) -> params.keySet().forEach(p -> {
                if (ProfileMeanings.of(g + "." + p).isEmpty()) {
                    missing.add(g + "." + p);
                }
            }));
        }
        assertThat(missing).as("constants without a line in ProfileMeanings").isEmpty();
    }
}
