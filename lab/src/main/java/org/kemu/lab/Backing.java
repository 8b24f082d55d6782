package org.kemu.lab;

import java.util.Locale;
import org.kemu.mmgup.VmaKind;

/** What backs guest RAM (docs/calibration-inputs.md: hugetlb = hugetlbfs 2 MiB pages, thp = anonymous THP). */
public enum Backing {
    HUGETLB(VmaKind.HUGETLB_2M), THP(VmaKind.ANON_THP);

    private final VmaKind kind;

    Backing(VmaKind kind) {
        this.kind = kind;
    }

    public VmaKind vmaKind() {
        return kind;
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Backing parse(String s) {
        for (Backing b : values()) {
            if (b.cliName().equalsIgnoreCase(s)) {
                return b;
            }
        }
        throw new IllegalArgumentException("unknown backing '" + s + "' (hugetlb or thp)");
    }
}
