package io.cslake.config;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local disk under a made-up scheme, {@value #SCHEME}{@code :///abs/path}: a Hadoop file system
 * that only exists where a test registers it ({@code fs.cstest.impl}), standing for s3a, abfss or
 * gs. Counts the files it opens, so a test sees that a read went through it.
 */
public class SchemeTestFileSystem extends RawLocalFileSystem {
  public static final String SCHEME = "cstest";

  /** {@code fs.cstest.impl}, the Hadoop setting that registers this class for the scheme. */
  public static final String IMPL_KEY = "fs." + SCHEME + ".impl";

  public static final AtomicInteger OPENS = new AtomicInteger();

  @Override
  public URI getUri() {
    return URI.create(SCHEME + ":///");
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public FSDataInputStream open(Path f, int bufferSize) throws IOException {
    OPENS.incrementAndGet();
    return super.open(f, bufferSize);
  }

  /** The URI of a local absolute path under this scheme. */
  public static String uri(java.nio.file.Path local) {
    return SCHEME + "://" + local.toAbsolutePath();
  }
}
