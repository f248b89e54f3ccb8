package io.promgate.influx;

import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import java.util.Locale;

/**
 * Reads InfluxDB's {@code /query?chunked=true} answer incrementally, as the bytes arrive, and
 * never holds more of it than the current token: InfluxDB streams one JSON document per chunk
 * ({@code {"results":[{"statement_id":0,"series":[{"name":..,"tags":{..},"columns":[..],
 * "values":[[..],..],"partial":true}],"partial":true}]}}, SPEC §8), a long series continuing in the
 * next document under the same name and tags.
 *
 * <p>Built on a {@link Lexer} for JSON or, when InfluxDB answers in MessagePack ({@link
 * #contentType}), for that; either says {@link Lexer#NEED_MORE} where a token is cut by a buffer
 * boundary, and the reader is a state machine over tokens, so it simply resumes at the next
 * {@link #feed}. Each series part is announced to the {@link Handler} once, then its rows one by
 * one through a reused {@link Row} (no object per value).
 *
 * <p>Relies on the field order InfluxDB's encoder writes ({@code name, tags, columns, values}):
 * rows are only meaningful once the series' name, tags and columns are known, and a document
 * that sends {@code values} first is refused rather than misread. An {@code error} anywhere (the
 * whole request or one statement, also mid-stream) ends the read with a {@link StorageException}.
 * Not thread-safe; one instance per query.
 */
public final class ChunkedQueryReader {
  /** What the reader reports. Exceptions thrown here abort the read and are passed on. */
  public interface Handler {
    /**
     * A series, or the next part of one, begins. {@code tagKeys}/{@code tagValues} hold the stored
     * form in InfluxDB's order (sorted by key), including keys whose value is "" (absent).
     */
    void series(String measurement, String[] tagKeys, String[] tagValues, int tagCount, String[] columns, int columnCount);

    /** One row of the current series; {@code row} is reused after this returns. */
    void row(Row row);
  }

  /** The values of one row, by column index. */
  public static final class Row {
    public static final byte NULL = 0;
    public static final byte INTEGER = 1;
    public static final byte FLOAT = 2;
    public static final byte STRING = 3;
    public static final byte BOOLEAN = 4;

    // package-private: filled by this reader; other readers (the storage service's) use clear/add*
    byte[] kinds = new byte[4];
    long[] longs = new long[4];
    double[] doubles = new double[4];
    String[] strings = new String[4];
    int size;

    public int size() {
      return size;
    }

    public byte kind(int i) {
      return kinds[i];
    }

    public boolean isNull(int i) {
      return i >= size || kinds[i] == NULL;
    }

    /** An integer column (also {@code time} with {@code epoch=ms}). */
    public long longValue(int i) {
      return longs[i];
    }

    /**
     * A number as a double. InfluxDB prints whole floats without a fraction ({@code 2}, {@code
     * 100000000000000000000}) and negative zero as {@code -0}; both come back as the float that
     * was stored, sign of zero included.
     */
    public double doubleValue(int i) {
      return doubles[i];
    }

    public String stringValue(int i) {
      return strings[i];
    }

    /** Starts the row over, for a reader filling it (the storage service's). */
    public void clear() {
      size = 0;
    }

    /** Appends an integer column whose double value is not read (a time). */
    public void addInteger(long v) {
      int i = add();
      kinds[i] = INTEGER;
      longs[i] = v;
    }

    /** Appends an integer column; {@code asDouble} is its {@link #doubleValue}. */
    public void addInteger(long v, double asDouble) {
      int i = add();
      kinds[i] = INTEGER;
      longs[i] = v;
      doubles[i] = asDouble;
    }

    /** Appends a float column. */
    public void addFloat(double v) {
      int i = add();
      kinds[i] = FLOAT;
      doubles[i] = v;
    }

    int add() {
      if (size == kinds.length) {
        int n = size * 2;
        kinds = Arrays.copyOf(kinds, n);
        longs = Arrays.copyOf(longs, n);
        doubles = Arrays.copyOf(doubles, n);
        strings = Arrays.copyOf(strings, n);
      }
      return size++;
    }
  }

  private enum State {
    ROOT, DOC, RESULTS, RESULT, SERIES_LIST, SERIES, TAGS, COLUMNS, VALUES, ROW, SKIP, DONE
  }

  private final Handler handler;
  private Lexer lexer = new JsonLexer();
  private final Row row = new Row();
  private byte[] scratch = new byte[0];

  private State state = State.ROOT;
  private State afterSkip;
  private int skipDepth;
  private String field;

  private String measurement;
  private String[] tagKeys = new String[8];
  private String[] tagValues = new String[8];
  private int tagCount;
  private String[] columns = new String[4];
  private int columnCount;
  private long documents;

  public ChunkedQueryReader(Handler handler) {
    this.handler = handler;
  }

  /** Picks the lexer for InfluxDB's {@code Content-Type}; call before the first {@link #feed}. */
  public void contentType(String contentType) {
    boolean msgpack = contentType != null && contentType.trim().toLowerCase(Locale.ROOT).startsWith("application/x-msgpack");
    lexer = msgpack ? new MsgpackLexer() : new JsonLexer();
  }

  /** Documents read completely so far. */
  public long documents() {
    return documents;
  }

  /**
   * Parses {@code b[off, off+len)}. The bytes are consumed before this returns, so the caller may
   * reuse the array.
   *
   * @throws StorageException when InfluxDB reported an error or the answer is not what it sends
   */
  public void feed(byte[] b, int off, int len) {
    lexer.feed(b, off, len);
    drain();
  }

  /** Parses a Vert.x buffer through a reused scratch array (the buffer may be off-heap). */
  public void feed(Buffer buffer) {
    int n = buffer.length();
    if (scratch.length < n) {
      scratch = new byte[Math.max(n, 16 * 1024)];
    }
    buffer.getBytes(0, n, scratch, 0);
    feed(scratch, 0, n);
  }

  /** The answer is complete; throws if it stopped inside a document. */
  public void end() {
    lexer.endOfInput();
    try {
      drain();
    } catch (StorageException e) {
      state = State.DOC; // the lexer saw the end inside a token
    }
    if (state != State.ROOT && state != State.DONE) {
      throw new StorageException(StorageException.Kind.UNAVAILABLE, "InfluxDB answer ended inside a document");
    }
    state = State.DONE;
  }

  private void drain() {
    int t;
    while ((t = lexer.next()) != Lexer.NEED_MORE && t != Lexer.END) {
      token(t);
    }
  }

  private void token(int t) {
    switch (state) {
      case ROOT -> {
        expect(t, Lexer.BEGIN_OBJECT, "a JSON document");
        state = State.DOC;
      }
      case DOC -> {
        if (t == Lexer.END_OBJECT) {
          documents++;
          state = State.ROOT;
        } else if (t == Lexer.KEY) {
          field = lexer.text;
        } else if ("results".equals(field) && t == Lexer.BEGIN_ARRAY) {
          state = State.RESULTS;
        } else if ("error".equals(field)) {
          throw rejected(t);
        } else {
          skipValue(t, State.DOC);
        }
      }
      case RESULTS -> {
        if (t == Lexer.END_ARRAY) {
          state = State.DOC;
          field = null;
        } else {
          expect(t, Lexer.BEGIN_OBJECT, "a statement result");
          state = State.RESULT;
          field = null;
        }
      }
      case RESULT -> {
        if (t == Lexer.END_OBJECT) {
          state = State.RESULTS;
        } else if (t == Lexer.KEY) {
          field = lexer.text;
        } else if ("series".equals(field) && t == Lexer.BEGIN_ARRAY) {
          state = State.SERIES_LIST;
        } else if ("error".equals(field)) {
          throw rejected(t);
        } else {
          skipValue(t, State.RESULT);
        }
      }
      case SERIES_LIST -> {
        if (t == Lexer.END_ARRAY) {
          state = State.RESULT;
          field = null;
        } else {
          expect(t, Lexer.BEGIN_OBJECT, "a series");
          measurement = "";
          tagCount = 0;
          columnCount = 0;
          field = null;
          state = State.SERIES;
        }
      }
      case SERIES -> series(t);
      case TAGS -> {
        if (t == Lexer.END_OBJECT) {
          state = State.SERIES;
        } else if (t == Lexer.KEY) {
          if (tagCount == tagKeys.length) {
            tagKeys = Arrays.copyOf(tagKeys, tagCount * 2);
            tagValues = Arrays.copyOf(tagValues, tagCount * 2);
          }
          tagKeys[tagCount] = lexer.text;
        } else {
          expect(t, Lexer.STRING, "a tag value");
          tagValues[tagCount++] = lexer.text;
        }
      }
      case COLUMNS -> {
        if (t == Lexer.END_ARRAY) {
          state = State.SERIES;
        } else {
          expect(t, Lexer.STRING, "a column name");
          if (columnCount == columns.length) {
            columns = Arrays.copyOf(columns, columnCount * 2);
          }
          columns[columnCount++] = lexer.text;
        }
      }
      case VALUES -> {
        if (t == Lexer.END_ARRAY) {
          state = State.SERIES;
        } else {
          expect(t, Lexer.BEGIN_ARRAY, "a row");
          row.size = 0;
          state = State.ROW;
        }
      }
      case ROW -> value(t);
      case SKIP -> {
        if (t == Lexer.BEGIN_OBJECT || t == Lexer.BEGIN_ARRAY) {
          skipDepth++;
        } else if (t == Lexer.END_OBJECT || t == Lexer.END_ARRAY) {
          if (--skipDepth == 0) {
            state = afterSkip;
          }
        }
      }
      case DONE -> throw new StorageException(StorageException.Kind.UNAVAILABLE, "InfluxDB answer continues after its end");
    }
  }

  private void series(int t) {
    if (t == Lexer.END_OBJECT) {
      state = State.SERIES_LIST;
    } else if (t == Lexer.KEY) {
      field = lexer.text;
    } else if ("name".equals(field) && t == Lexer.STRING) {
      measurement = lexer.text;
    } else if ("tags".equals(field) && t == Lexer.BEGIN_OBJECT) {
      state = State.TAGS;
    } else if ("columns".equals(field) && t == Lexer.BEGIN_ARRAY) {
      state = State.COLUMNS;
    } else if ("values".equals(field) && t == Lexer.BEGIN_ARRAY) {
      if (columnCount == 0) {
        throw new StorageException(StorageException.Kind.UNAVAILABLE, "InfluxDB sent series values before their columns");
      }
      handler.series(measurement, tagKeys, tagValues, tagCount, columns, columnCount);
      state = State.VALUES;
    } else {
      skipValue(t, State.SERIES);
    }
  }

  private void value(int t) {
    if (t == Lexer.END_ARRAY) {
      state = State.VALUES;
      handler.row(row);
      return;
    }
    int i = row.add();
    switch (t) {
      case Lexer.INTEGER -> {
        row.kinds[i] = Row.INTEGER;
        row.longs[i] = lexer.longValue;
        // InfluxDB prints whole floats without a fraction and -0.0 as "-0": the lexer keeps both
        row.doubles[i] = lexer.doubleValue;
      }
      case Lexer.FLOAT -> {
        row.kinds[i] = Row.FLOAT;
        row.doubles[i] = lexer.doubleValue;
      }
      case Lexer.NULL -> row.kinds[i] = Row.NULL;
      case Lexer.STRING -> {
        row.kinds[i] = Row.STRING;
        row.strings[i] = lexer.text;
      }
      case Lexer.TRUE, Lexer.FALSE -> {
        row.kinds[i] = Row.BOOLEAN;
        row.longs[i] = t == Lexer.TRUE ? 1 : 0;
      }
      default -> throw new StorageException(StorageException.Kind.UNAVAILABLE, "InfluxDB sent a nested value inside a row");
    }
  }

  private void skipValue(int t, State resume) {
    if (t == Lexer.BEGIN_OBJECT || t == Lexer.BEGIN_ARRAY) {
      afterSkip = resume;
      skipDepth = 1;
      state = State.SKIP;
    }
    // a scalar is skipped by reading it
  }

  private void expect(int t, int want, String what) {
    if (t != want) {
      throw new StorageException(StorageException.Kind.UNAVAILABLE, "InfluxDB answer malformed: expected " + what + ", got token " + t);
    }
  }

  private StorageException rejected(int t) {
    String msg = (t == Lexer.STRING ? lexer.text : "token " + t).replace('\n', ' ');
    // A missing database is an operator problem that will be fixed, not a bad query (as for writes).
    StorageException.Kind kind =
        msg.startsWith("database not found") ? StorageException.Kind.UNAVAILABLE : StorageException.Kind.REJECTED;
    return new StorageException(kind, "InfluxDB: " + msg);
  }
}
