package io.cairn.gateway;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * etcd 3.6's gateway marshaler (grpc-gateway v2 JSONPb: protojson UseProtoNames, EmitUnpopulated
 * false, DiscardUnknown). JsonFormat already matches protojson on what matters here: it prints
 * 64-bit integers as strings, bytes as padded standard base64 and enums by name, and it parses
 * proto or lowerCamel names, numbers or strings for integers, enum names or numbers, and
 * padded/unpadded standard/URL-safe base64.
 */
final class JsonCodec {
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();

  private JsonCodec() {}

  /**
   * Decodes one request as grpc-gateway does: Go's json.Decoder reads the first JSON value (its
   * syntax errors and "unexpected EOF" are etcd's messages verbatim; anything after that value is
   * ignored), then the value is unmarshalled into the message. A blank body is the empty request,
   * as grpc-gateway treats io.EOF.
   */
  static Message parse(byte[] json, Message prototype) throws BadJsonException {
    byte[] value = GoJsonScanner.firstValue(json);
    if (value == null) {
      return prototype;
    }
    String text = utf8(value);
    Message.Builder builder = prototype.newBuilderForType();
    ProtoJsonTypes.check(text, prototype.getDescriptorForType());
    try {
      PARSER.merge(text, builder);
    } catch (InvalidProtocolBufferException e) {
      throw new BadJsonException(clean(e.getMessage()));
    } catch (RuntimeException | StackOverflowError e) {
      // JsonFormat and Gson signal some malformed inputs with unchecked exceptions: still bad input
      throw new BadJsonException(clean(String.valueOf(e.getMessage())));
    }
    return builder.build();
  }

  /**
   * A type error's message without Java internals: no exception class prefix, no Gson help link.
   * (etcd's own wording for these comes from Go's protojson and has no stable form to copy: it even
   * randomises the space after its "proto:" prefix.)
   */
  static String clean(String message) {
    String m = message;
    int link = m.indexOf("\nSee https://");
    if (link >= 0) {
      m = m.substring(0, link);
    }
    m = m.replaceAll("^(?:[a-z][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*(?:Exception|Error): ", "");
    return m.isBlank() ? "invalid request body" : m;
  }

  static String print(MessageOrBuilder message) {
    try {
      return PRINTER.print(message);
    } catch (InvalidProtocolBufferException e) {
      // only Any with an unknown type can fail, and etcd's protos have no Any
      throw new IllegalStateException(e);
    }
  }

  private static String utf8(byte[] bytes) throws BadJsonException {
    if (ascii(bytes)) {
      // the usual body (keys and values are base64): no decoder to set up, and a compact string
      return new String(bytes, StandardCharsets.ISO_8859_1);
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new BadJsonException("request body is not valid UTF-8");
    }
  }

  private static boolean ascii(byte[] bytes) {
    for (byte b : bytes) {
      if (b < 0) {
        return false;
      }
    }
    return true;
  }

  /** A request body that is not a JSON encoding of the route's request message. */
  static final class BadJsonException extends Exception {
    BadJsonException(String message) {
      super(message, null, false, false);
    }
  }
}
