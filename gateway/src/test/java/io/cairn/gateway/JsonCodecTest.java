package io.cairn.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.Compare;
import io.cairn.proto.etcdserverpb.LeaseGrantResponse;
import io.cairn.proto.etcdserverpb.PutResponse;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.etcdserverpb.ResponseOp;
import io.cairn.proto.etcdserverpb.StatusResponse;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.etcdserverpb.TxnResponse;
import io.cairn.proto.etcdserverpb.WatchResponse;
import io.cairn.proto.mvccpb.Event;
import io.cairn.proto.mvccpb.KeyValue;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonCodecTest {

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void printsProtoNamesInt64AsStringsBase64AndOmitsZeros() {
    RangeResponse r =
        RangeResponse.newBuilder()
            .setHeader(FakeEtcd.HEADER)
            .addKvs(FakeEtcd.kv(ByteString.copyFromUtf8("foo"), "bar"))
            .setCount(1)
            .build();
    assertThat(JsonCodec.print(r))
        .isEqualTo(
            "{\"header\":{\"cluster_id\":\"12585971608760269493\",\"member_id\":\"42\",\"revision\":\"2\",\"raft_term\":\"3\"},"
                + "\"kvs\":[{\"key\":\"Zm9v\",\"create_revision\":\"2\",\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"YmFy\"}],"
                + "\"count\":\"1\"}");
    // a missing key: only the header, no kvs, no more, no count
    assertThat(JsonCodec.print(RangeResponse.newBuilder().setHeader(FakeEtcd.HEADER).build()))
        .doesNotContain("kvs", "more", "count");
    assertThat(JsonCodec.print(RangeResponse.getDefaultInstance())).isEqualTo("{}");
  }

  @Test
  void keepsMixedCaseProtoNamesVerbatim() {
    assertThat(JsonCodec.print(LeaseGrantResponse.newBuilder().setID(7).setTTL(60).build()))
        .isEqualTo("{\"ID\":\"7\",\"TTL\":\"60\"}");
    assertThat(JsonCodec.print(StatusResponse.newBuilder().setDbSize(10).setRaftIndex(3).setDbSizeInUse(4).build()))
        .isEqualTo("{\"dbSize\":\"10\",\"raftIndex\":\"3\",\"dbSizeInUse\":\"4\"}");
  }

  @Test
  void enumsByNameAndZeroEnumOmitted() {
    WatchResponse w =
        WatchResponse.newBuilder()
            .addEvents(Event.newBuilder().setKv(KeyValue.newBuilder().setKey(ByteString.copyFromUtf8("a"))))
            .addEvents(Event.newBuilder().setType(Event.EventType.DELETE).setKv(KeyValue.newBuilder().setModRevision(3)))
            .build();
    assertThat(JsonCodec.print(w))
        .isEqualTo("{\"events\":[{\"kv\":{\"key\":\"YQ==\"}},{\"type\":\"DELETE\",\"kv\":{\"mod_revision\":\"3\"}}]}");
  }

  @Test
  void nestedTxnResponseHeaders() {
    TxnResponse t =
        TxnResponse.newBuilder()
            .setHeader(FakeEtcd.HEADER)
            .setSucceeded(true)
            .addResponses(
                ResponseOp.newBuilder()
                    .setResponsePut(PutResponse.newBuilder().setHeader(io.cairn.proto.etcdserverpb.ResponseHeader.newBuilder().setRevision(3))))
            .build();
    assertThat(JsonCodec.print(t)).endsWith("\"succeeded\":true,\"responses\":[{\"response_put\":{\"header\":{\"revision\":\"3\"}}}]}");
  }

  @Test
  void parsesProtoAndLowerCamelNamesNumbersOrStringsEnumsByNameOrNumber() throws Exception {
    RangeRequest a =
        (RangeRequest)
            JsonCodec.parse(
                utf8("{\"key\":\"Zm9v\",\"range_end\":\"Zm9w\",\"limit\":\"5\",\"sort_order\":\"DESCEND\",\"keys_only\":true}"),
                RangeRequest.getDefaultInstance());
    RangeRequest b =
        (RangeRequest)
            JsonCodec.parse(
                utf8("{\"key\":\"Zm9v\",\"rangeEnd\":\"Zm9w\",\"limit\":5,\"sortOrder\":2,\"keysOnly\":true}"),
                RangeRequest.getDefaultInstance());
    assertThat(a).isEqualTo(b);
    assertThat(a.getKey().toStringUtf8()).isEqualTo("foo");
    assertThat(a.getRangeEnd().toStringUtf8()).isEqualTo("fop");
    assertThat(a.getLimit()).isEqualTo(5);
    assertThat(a.getSortOrder()).isEqualTo(RangeRequest.SortOrder.DESCEND);
  }

  @Test
  void parsesNestedMessagesAndOneofs() throws Exception {
    TxnRequest t =
        (TxnRequest)
            JsonCodec.parse(
                utf8(
                    "{\"compare\":[{\"target\":\"CREATE\",\"key\":\"Zm9v\",\"createRevision\":\"0\"}],"
                        + "\"success\":[{\"requestPut\":{\"key\":\"Zm9v\",\"value\":\"YmFy\"}}],"
                        + "\"failure\":[{\"request_range\":{\"key\":\"Zm9v\"}}]}"),
                TxnRequest.getDefaultInstance());
    assertThat(t.getCompare(0).getTarget()).isEqualTo(Compare.CompareTarget.CREATE);
    assertThat(t.getCompare(0).getTargetUnionCase()).isEqualTo(Compare.TargetUnionCase.CREATE_REVISION);
    assertThat(t.getSuccess(0).getRequestPut().getValue().toStringUtf8()).isEqualTo("bar");
    assertThat(t.getFailure(0).getRequestRange().getKey().toStringUtf8()).isEqualTo("foo");
  }

  @Test
  void acceptsUnpaddedAndUrlSafeBase64() throws Exception {
    // 0xfb 0xff -> "+/8=" standard, "-_8" url-safe unpadded
    RangeRequest std = (RangeRequest) JsonCodec.parse(utf8("{\"key\":\"+/8=\"}"), RangeRequest.getDefaultInstance());
    RangeRequest url = (RangeRequest) JsonCodec.parse(utf8("{\"key\":\"-_8\"}"), RangeRequest.getDefaultInstance());
    RangeRequest unpadded = (RangeRequest) JsonCodec.parse(utf8("{\"key\":\"Zm9vYg\"}"), RangeRequest.getDefaultInstance());
    assertThat(std.getKey().toByteArray()).containsExactly(0xfb, 0xff);
    assertThat(url.getKey()).isEqualTo(std.getKey());
    assertThat(unpadded.getKey().toStringUtf8()).isEqualTo("foob");
  }

  @Test
  void ignoresUnknownFieldsAndBlankBodyIsEmptyRequest() throws Exception {
    assertThat(JsonCodec.parse(utf8("{\"key\":\"Zm9v\",\"nope\":{\"deep\":[1,2]}}"), RangeRequest.getDefaultInstance()))
        .isEqualTo(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("foo")).build());
    assertThat(JsonCodec.parse(utf8(" \n"), RangeRequest.getDefaultInstance())).isEqualTo(RangeRequest.getDefaultInstance());
  }

  @Test
  void rejectsMalformedInput() {
    for (String bad :
        new String[] {
          "{", "{\"key\":", "[]", "null", "42", "{\"limit\":\"x\"}", "{\"limit\":1.5}", "{\"key\":\"%%%\"}",
          "{\"keys_only\":\"maybe\"}", "{\"sort_order\":\"SIDEWAYS\"", "\"str\""
        }) {
      assertThatThrownBy(() -> JsonCodec.parse(utf8(bad), RangeRequest.getDefaultInstance()))
          .as(bad)
          .isInstanceOf(JsonCodec.BadJsonException.class);
    }
    // (Go's scanner passes any byte inside a string; the UTF-8 check comes with the decoding)
    assertThatThrownBy(() -> JsonCodec.parse(new byte[] {'{', '"', (byte) 0xff, '"', ':', '1', '}'}, RangeRequest.getDefaultInstance()))
        .isInstanceOf(JsonCodec.BadJsonException.class)
        .hasMessageContaining("UTF-8");
  }

  @Test
  void deeplyNestedUnknownFieldsAreHandledWithoutCrashing() {
    String deep = "{\"x\":".repeat(5000) + "1" + "}".repeat(5000);
    try {
      JsonCodec.parse(utf8(deep), RangeRequest.getDefaultInstance());
    } catch (JsonCodec.BadJsonException e) {
      // either outcome is fine; anything else (StackOverflowError, runtime exception) is not
    }
  }

  @Test
  void syntaxErrorsHaveGosWordingAndTypeErrorsNoJavaNames() {
    assertThatThrownBy(() -> JsonCodec.parse(utf8("{\"key\":"), RangeRequest.getDefaultInstance()))
        .hasMessage("unexpected EOF");
    assertThatThrownBy(() -> JsonCodec.parse(utf8("{\"key\":\"Zm9v\",}"), RangeRequest.getDefaultInstance()))
        .hasMessage("invalid character '}' looking for beginning of object key string");
    for (String bad : new String[] {"[]", "null", "42", "{\"limit\":\"x\"}", "{\"key\":\"%%%\"}", "{\"keys_only\":1}"}) {
      assertThatThrownBy(() -> JsonCodec.parse(utf8(bad), RangeRequest.getDefaultInstance()))
          .as(bad)
          .isInstanceOf(JsonCodec.BadJsonException.class)
          .message()
          .isNotBlank()
          .doesNotContain("java.", "com.google", "Exception", "https://");
    }
  }

  @Test
  void valueKindsAreProtojsons() throws Exception {
    // Gson alone would take these (a one-element array for a scalar, a number for bytes or a string,
    // a string for a bool, the last of duplicate fields); etcd refuses them
    String[][] cases = {
      {"{\"key\":[\"Zm9v\"]}", "unexpected token ["},
      {"{\"key\":1234}", "invalid value for bytes field key: 1234"},
      {"{\"keys_only\":\"true\"}", "invalid value for bool field keysOnly: \"true\""},
      {"{\"key\":\"Zm9v\",\"key\":\"YmFy\"}", "duplicate field \"key\""},
      {"{\"key\":\"Zm9v\",\"rangeEnd\":\"AA==\",\"range_end\":\"AA==\"}", "duplicate field \"range_end\""},
      {"{\"limit\":{}}", "unexpected token {"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> JsonCodec.parse(utf8(c[0]), RangeRequest.getDefaultInstance())).as(c[0]).hasMessage(c[1]);
    }
    assertThatThrownBy(() -> JsonCodec.parse(utf8("{\"compare\":[{\"key\":\"Zm9v\",\"value\":7}]}"),
        TxnRequest.getDefaultInstance())).hasMessage("invalid value for bytes field value: 7");
    assertThatThrownBy(() -> JsonCodec.parse(utf8("{\"success\":{\"request_put\":{}}}"), TxnRequest.getDefaultInstance()))
        .hasMessage("unexpected token {");
    // what protojson does accept: numbers or strings for integers and enums, null for anything, unknown fields
    RangeRequest ok = (RangeRequest) JsonCodec.parse(
        utf8("{\"key\":\"Zm9v\",\"limit\":\"5\",\"revision\":3,\"sort_order\":1,\"sortTarget\":\"MOD\","
            + "\"range_end\":null,\"unknown\":[1,{\"a\":[]}]}"),
        RangeRequest.getDefaultInstance());
    assertThat(ok.getLimit()).isEqualTo(5);
    assertThat(ok.getRevision()).isEqualTo(3);
    assertThat(ok.getSortTarget()).isEqualTo(RangeRequest.SortTarget.MOD);
  }

  @Test
  void dataAfterTheFirstValueIsIgnoredLikeGosJsonDecoder() throws Exception {
    assertThat(JsonCodec.parse(utf8("{\"key\":\"Zm9v\"} trailing"), RangeRequest.getDefaultInstance()))
        .isEqualTo(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("foo")).build());
  }
}
