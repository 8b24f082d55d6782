package org.kemu.lab;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.kemu.lab.profile.ProfileCodec;

/** The machine profiles that ship with kemu, and loading of users' own profile files. */
public final class Profiles {
    /** Profiles fitted from the published calibration inputs (docs/calibration.md). */
    public static final List<String> BUILT_IN = List.of("intel-8167m", "amd-7j13");

    private Profiles() {
    }

    /** A built-in profile by name, or a profile file when {@code nameOrPath} names one. */
    public static MachineProfile load(String nameOrPath) {
        if (BUILT_IN.contains(nameOrPath)) {
            return builtIn(nameOrPath);
        }
        Path p = Path.of(nameOrPath);
        if (!Files.isRegularFile(p)) {
            throw new ProfileCodec.ProfileException("no profile '" + nameOrPath + "' (built-in: "
                    + String.join(", ", BUILT_IN) + ", or a path to a profile JSON file)");
        }
        try {
            return ProfileCodec.read(Files.readString(p));
        } catch (IOException e) {
            throw new ProfileCodec.ProfileException("cannot read " + p + ": " + e.getMessage());
        }
    }

    public static MachineProfile builtIn(String name) {
        try (InputStream in = Profiles.class.getResourceAsStream("/profiles/" + name + ".json")) {
            if (in == null) {
                throw new ProfileCodec.ProfileException("no built-in profile " + name);
            }
            return ProfileCodec.read(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
