package dev.schedulerd.api.store;

import java.time.Instant;
import java.util.List;

/**
 * A store's record of the scheduler nodes sharing it, kept by their heartbeats: a {@link TaskStore}
 * capability ({@link TaskStore#nodeRegistry()}). Schedulers use it to tell another live node from
 * no node at all (whether a fire time passed while no scheduler ran) and to show the nodes to
 * people.
 */
public interface NodeRegistry {

  /** Records that {@code node} is alive, replacing its previous heartbeat. */
  void heartbeat(NodeInfo node);

  /** The nodes that sent a heartbeat at or after {@code since}, by node id. */
  List<NodeInfo> nodes(Instant since);
}
