package dev.schedulerd.mcp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A TCP proxy on loopback between a node and its database, for partitions: {@link #partition()}
 * stops forwarding in both directions while every socket stays open (bytes wait, as in a network
 * that drops packets; new connections are accepted and wait too), {@link #heal()} delivers what
 * waited and forwards again.
 */
final class TcpProxy implements AutoCloseable {
  private final ServerSocket server;
  private final InetSocketAddress target;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition healed = lock.newCondition();
  private boolean partitioned; // guarded by lock
  private volatile boolean closed;

  TcpProxy(int targetPort) throws IOException {
    this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
    this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().name("proxy-accept").start(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  void partition() {
    lock.lock();
    try {
      partitioned = true;
    } finally {
      lock.unlock();
    }
  }

  void heal() {
    lock.lock();
    try {
      partitioned = false;
      healed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = server.accept();
        sockets.add(client);
        Thread.ofVirtual().start(() -> connect(client));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void connect(Socket client) {
    try {
      awaitHealed(); // a partition also holds new connections
      Socket upstream = new Socket();
      sockets.add(upstream);
      upstream.connect(target, 5_000);
      Thread.ofVirtual().start(() -> pump(client, upstream));
      pump(upstream, client);
    } catch (IOException | InterruptedException e) {
      closeQuietly(client);
    }
  }

  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[16 * 1024];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        awaitHealed();
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // one side closed: close the other below
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private void awaitHealed() throws InterruptedException {
    lock.lock();
    try {
      while (partitioned && !closed) {
        healed.await(1, TimeUnit.SECONDS);
      }
    } finally {
      lock.unlock();
    }
  }

  private void closeQuietly(Socket socket) {
    sockets.remove(socket);
    try {
      socket.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    heal();
    server.close();
    sockets.forEach(this::closeQuietly);
  }
}
