package org.quantrace.runner.verify;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * The pruning record's "compressed size (deflate)" of a model file, re-derived by verify from the file: its bytes streamed
 * through a raw zlib stream at the best compression (the level the record's figure is defined at) into a counter, not
 * through the pruner's code (which deflates the bytes it serialized, in memory).
 */
final class DeflatedSize {

	private DeflatedSize() {
	}

	/** The bytes deflate writes for the file at {@link Deflater#BEST_COMPRESSION}, zlib header and checksum included. */
	static long of(Path file) {
		Counter counted = new Counter();
		Deflater level = new Deflater(Deflater.BEST_COMPRESSION);
		try (InputStream in = Files.newInputStream(file); OutputStream out = new DeflaterOutputStream(counted, level, 1 << 16)) {
			in.transferTo(out);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		} finally {
			level.end();
		}
		return counted.bytes;
	}

	/** An output stream that keeps only how many bytes it was given. */
	private static final class Counter extends OutputStream {
		private long bytes;

		@Override
		public void write(int b) {
			bytes++;
		}

		@Override
		public void write(byte[] b, int off, int len) {
			bytes += len;
		}
	}
}
