package org.kemu.mmgup.phys;

import org.kemu.schedfair.SpinLock;

/** One node's RAM: 1 GiB blocks, split into 2 MiB blocks only where needed. */
final class NodeMem {
    final int nid;
    final long startPfn;
    final long nrPages;
    final int nrBlocks;
    final int nrGigas;
    /** Blocks at or above this index are ZONE_MOVABLE. */
    final int movableStartBlock;
    final byte[] gigaState;
    final GigaBlock[] gigas;
    final int[] gigaRef;
    final int[] gigaPin;
    final long[] free = new long[2];
    /** Blocks of each zone in which a 2 MiB folio can be allocated. */
    final long[] wholeFreeBlocks = new long[2];
    final int[] smallCursor = new int[2];
    final int[] hugeCursor = new int[2];
    final LongStack hugeFree2m = new LongStack();
    final LongStack hugeFree1g = new LongStack();
    long nrHuge2m;
    long nrHuge1g;
    SpinLock zoneLock;

    NodeMem(int nid, long startPfn, long nrPages, double movableFraction) {
        this.nid = nid;
        this.startPfn = startPfn;
        this.nrPages = nrPages;
        this.nrBlocks = (int) (nrPages >>> 9);
        this.nrGigas = (nrBlocks + 511) >>> 9;
        this.movableStartBlock = nrBlocks - (int) Math.round(nrBlocks * movableFraction);
        this.gigaState = new byte[nrGigas];
        this.gigas = new GigaBlock[nrGigas];
        this.gigaRef = new int[nrGigas];
        this.gigaPin = new int[nrGigas];
        smallCursor[1] = movableStartBlock;
        hugeCursor[1] = movableStartBlock;
    }

    int zoneStart(int z) {
        return z == 0 ? 0 : movableStartBlock;
    }

    int zoneEnd(int z) {
        return z == 0 ? movableStartBlock : nrBlocks;
    }

    static int zoneIndexOf(NodeMem n, int block) {
        return block >= n.movableStartBlock ? 1 : 0;
    }
}
