package dev.schedulerd.runtime;

import dev.schedulerd.api.store.NodeInfo;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Which due runs this node claims first when several nodes share a store: each task belongs to one
 * live node (rendezvous hashing of the task id over the nodes with a recent heartbeat), and the
 * others take it when it is still unclaimed {@link #STEAL_AFTER} after it came due there, the next
 * node on the task's list first and the one after it {@code STEAL_AFTER} later ({@link #place}), so
 * that helpers do not race each other ({@link DispatchQueue} asks as each entry comes due, and
 * again as it takes one, so a backlog queued before the other nodes were seen is shared too). Every
 * node used to try every due run, and with three nodes most claim attempts lost. A run whose owner
 * is gone, paused or lacks its executor is still claimed, by whichever node comes to it first once
 * the delay has passed.
 *
 * <p>Nodes may briefly disagree on who is live (heartbeats are read every few seconds): a task then
 * has two owners, whose claims race as before, or none, and waits the delay. Either way it runs.
 */
final class WorkShares {
  /**
   * How much later a node queues another node's task: long enough for the owner's claim to reach it
   * through the change feed (milliseconds when the owner is up), short beside a heartbeat's expiry.
   */
  static final Duration STEAL_AFTER = Duration.ofMillis(500);

  /** A node that never shares: it owns every task (a store without heartbeats, tests). */
  static final WorkShares ALONE = new WorkShares("");

  private final String nodeId;
  private final long nodeHash;

  /** The hashes of the other live nodes; empty when this node is alone or cannot tell. */
  private volatile long[] others = new long[0];

  WorkShares(String nodeId) {
    this.nodeId = nodeId;
    this.nodeHash = hash(nodeId);
  }

  /** The nodes with a recent heartbeat, this one among them or not. */
  void update(List<NodeInfo> nodes) {
    others =
        nodes.stream()
            .map(NodeInfo::nodeId)
            .filter(id -> !id.equals(nodeId))
            .mapToLong(WorkShares::hash)
            .toArray();
  }

  /** Whether the task falls in this node's share (every task, when it is alone). */
  boolean owns(String taskId) {
    return place(taskId) == 0;
  }

  /**
   * This node's place on the task's list of live nodes: 0 for its owner, 1 for the node that takes
   * it next when the owner is behind, and so on (the same rendezvous scores, in order).
   */
  int place(String taskId) {
    long[] nodes = others;
    if (nodes.length == 0) {
      return 0;
    }
    long task = hash(taskId);
    long mine = mix(nodeHash ^ task);
    int above = 0;
    for (long other : nodes) {
      if (Long.compareUnsigned(mix(other ^ task), mine) > 0) {
        above++;
      }
    }
    return above;
  }

  /** A 64-bit FNV-1a hash of the UTF-8 bytes: the same in every JVM and every build. */
  static long hash(String text) {
    long h = 0xcbf29ce484222325L;
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** SplitMix64's finalizer: spreads the combined hash so that each node wins an even share. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
