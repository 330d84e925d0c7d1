package dev.schedulerd.mcp.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;

/**
 * Streams over a blocking socket channel whose reads and writes run on different threads. Not
 * {@code Channels.newInputStream}: on some JDKs its streams share the channel's blocking lock, so a
 * pending read would hold up every write.
 */
public final class ChannelStreams {
  private ChannelStreams() {}

  /** Reads {@code channel}; a closed channel reads as the end of input. */
  public static InputStream in(SocketChannel channel) {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] bytes, int offset, int length) throws IOException {
        if (length == 0) {
          return 0;
        }
        try {
          return channel.read(ByteBuffer.wrap(bytes, offset, length));
        } catch (ClosedChannelException e) {
          return -1;
        }
      }
    };
  }

  /** Writes {@code channel}, all of each buffer. */
  public static OutputStream out(SocketChannel channel) {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] bytes, int offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
      }
    };
  }
}
