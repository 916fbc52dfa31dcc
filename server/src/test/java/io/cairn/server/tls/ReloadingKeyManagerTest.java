package io.cairn.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.server.it.TestCa;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReloadingKeyManagerTest {
  @TempDir
  Path dir;

  @Test
  void aPairReplacedOnDiskIsUsedByTheNextHandshakeAndABrokenOneIsNot() throws Exception {
    TestCa ca = new TestCa(dir, "unit-ca");
    TestCa.Issued first = ca.issue("server");
    ReloadingKeyManager km = new ReloadingKeyManager(first.cert(), first.key());
    assertThat(servedSerial(km)).isEqualTo(first.serial());

    TestCa.Issued second = ca.issue("server");
    assertThat(servedSerial(km)).isEqualTo(second.serial());
    assertThat(km.getPrivateKey(km.chooseEngineServerAlias("EC", null, null))).isEqualTo(second.keys().getPrivate());

    // a half-written certificate must not take the server's identity away
    Files.writeString(second.cert(), "-----BEGIN CERTIFICATE-----\nnot yet\n");
    assertThat(servedSerial(km)).isEqualTo(second.serial());
  }

  @Test
  void onlyKeysOfTheRequestedTypeAreOffered() throws Exception {
    TestCa.Issued ec = new TestCa(dir, "unit-ca").issue("server");
    ReloadingKeyManager km = new ReloadingKeyManager(ec.cert(), ec.key());
    assertThat(km.chooseEngineServerAlias("RSA", null, null)).isNull();
    assertThat(km.chooseEngineClientAlias(new String[] {"RSA", "EC"}, null, null)).isNotNull();
  }

  private static BigInteger servedSerial(ReloadingKeyManager km) {
    return km.getCertificateChain(km.chooseEngineServerAlias("EC", null, null))[0].getSerialNumber();
  }
}
