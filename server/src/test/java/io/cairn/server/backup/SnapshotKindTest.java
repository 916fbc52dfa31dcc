package io.cairn.server.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which reader a snapshot file gets, and how a file that is neither kind is refused. */
class SnapshotKindTest {
  @TempDir
  Path dir;

  private static String[] run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = SnapshotCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
  }

  /** n*512 bytes plus their SHA-256, as etcdctl requires of a saved file. */
  private Path withTrailer(String name, byte[] body) throws Exception {
    byte[] sha = MessageDigest.getInstance("SHA-256").digest(body);
    Path f = dir.resolve(name);
    Files.write(f, body);
    Files.write(f, sha, java.nio.file.StandardOpenOption.APPEND);
    return f;
  }

  @Test
  void aFileOfNeitherKindIsRefusedSayingSo() throws Exception {
    Path f = withTrailer("junk.db", new byte[4096]);
    assertThat(EtcdSnapshotFile.isEtcd(f)).isFalse();
    String[] r = run("status", f.toString());
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[2]).contains("neither a Cairn backup").contains("nor an etcd snapshot");
  }

  @Test
  void aCairnHeaderWhoseRevisionLooksLikeBboltMagicStaysACairnBackup() throws Exception {
    byte[] body = new byte[4096];
    System.arraycopy(BackupHeader.MAGIC, 0, body, 0, BackupHeader.MAGIC.length);
    body[16] = (byte) 0xED; // the revision field's low bytes, by chance
    body[17] = (byte) 0xDA;
    body[18] = 0x0C;
    body[19] = (byte) 0xED;
    Path f = withTrailer("cairn.db", body);
    assertThat(EtcdSnapshotFile.isEtcd(f)).isFalse();
  }

  @Test
  void aBboltMagicMakesItAnEtcdFileWhoseDamageIsReported() throws Exception {
    byte[] body = new byte[8192];
    // page 0: meta flag and magic 0xED0CDAED (little-endian), but no valid checksum
    body[8] = 0x04;
    body[16] = (byte) 0xED;
    body[17] = (byte) 0xDA;
    body[18] = 0x0C;
    body[19] = (byte) 0xED;
    Path f = withTrailer("etcd.db", body);
    assertThat(EtcdSnapshotFile.isEtcd(f)).isTrue();
    String[] r = run("restore", f.toString(), "--data-dir", dir.resolve("data").toString());
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[2]).startsWith("Error: corrupt etcd snapshot").contains("no valid meta page");
    assertThat(dir.resolve("data")).doesNotExist();
    assertThat(run("status", f.toString())[2]).startsWith("Error: corrupt etcd snapshot");
  }
}
