package org.kemu.cli.sweep;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The guest sizes of {@code sweep --mems}, which may differ per machine: a plain size ({@code 16G})
 * is swept on every profile, a size behind a profile name ({@code amd-7j13:980G}) only on that
 * profile. The published patch-8 matrix is one sweep this way ({@code --mems
 * 16G,128G,intel-8167m:360G,amd-7j13:980G}): each machine's sizes in the order given, so the cells
 * stay in matrix order. A size is never the part after the last colon of a path, so the profile is
 * everything before it (a profile JSON file with a colon in its path still works).
 */
public final class ProfileMems {
    private final List<String> entries;

    /** {@code entries} as --mems gave them; refused when a qualifier names none of {@code profiles}. */
    public ProfileMems(List<String> entries, List<String> profiles) {
        this.entries = List.copyOf(entries);
        Set<String> unknown = new LinkedHashSet<>();
        for (String e : entries) {
            int colon = e.lastIndexOf(':');
            if (colon >= 0 && !profiles.contains(e.substring(0, colon))) {
                unknown.add(e.substring(0, colon));
            }
        }
        if (!unknown.isEmpty()) {
            // a typo in a machine's name would otherwise drop its sizes from the sweep without a word
            throw new IllegalArgumentException("--mems: " + String.join(", ", unknown) + " is not one of --profiles "
                    + String.join(",", profiles));
        }
        for (String p : profiles) {
            if (of(p).isEmpty()) {
                throw new IllegalArgumentException("--mems gives no size for profile " + p);
            }
        }
    }

    /** The sizes swept on {@code profile}, in the order given. */
    public List<String> of(String profile) {
        List<String> l = new ArrayList<>();
        for (String e : entries) {
            int colon = e.lastIndexOf(':');
            if (colon < 0) {
                l.add(e);
            } else if (e.substring(0, colon).equals(profile)) {
                l.add(e.substring(colon + 1));
            }
        }
        return l;
    }
}
