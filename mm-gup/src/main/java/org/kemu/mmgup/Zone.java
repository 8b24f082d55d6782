package org.kemu.mmgup;

/** The zones a node's memory is split into; ZONE_MOVABLE sits at the top of each node (movablecore). */
public enum Zone {
    NORMAL, MOVABLE
}
