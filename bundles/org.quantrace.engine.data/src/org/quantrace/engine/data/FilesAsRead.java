package org.quantrace.engine.data;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.quantrace.engine.InvalidInputException;

/**
 * The SHA-256 and size of each file a dataset read, taken from the very bytes its reader parsed or decoded, as it read them
 * (hostile19's leftovers: a label file was hashed by readings of its own before and after the reader's, and a sample file only when
 * the trace was written, so a file replaced and put back between them was recorded as read). A file read again (an image in each
 * pass, a label file by a second opening of the run) must be the same bytes: samples of two contents would stand under one record,
 * so the reading is refused (exit 2), naming the file. One instance serves every dataset a run opens.
 */
public final class FilesAsRead {

	/** A file as read: the SHA-256 of its bytes and their number. */
	public record Read(String sha256, long bytes) {
	}

	private final Map<Path, Read> reads = new ConcurrentHashMap<>();

	/** How the file was read, or null when no reader of these datasets has read it. */
	public Read of(Path file) {
		return reads.get(key(file));
	}

	/** The bytes of {@code file}, read whole once and recorded as read. */
	byte[] readAll(Path file) throws IOException {
		byte[] bytes = Files.readAllBytes(file);
		record(file, new Read(HexFormat.of().formatHex(digest().digest(bytes)), bytes.length));
		return bytes;
	}

	/**
	 * A stream over {@code file} that hashes what its reader takes; closed, it reads what is left of the file (the hash is of the whole
	 * file, as the manifest lists it) and records it.
	 */
	InputStream open(Path file) throws IOException {
		MessageDigest md = digest();
		long[] count = { 0 };
		return new FilterInputStream(Files.newInputStream(file)) {
			private boolean closed;

			@Override
			public int read() throws IOException {
				int b = super.read();
				if (b >= 0) {
					md.update((byte) b);
					count[0]++;
				}
				return b;
			}

			@Override
			public int read(byte[] b, int off, int len) throws IOException {
				int n = super.read(b, off, len);
				if (n > 0) {
					md.update(b, off, n);
					count[0] += n;
				}
				return n;
			}

			@Override
			public long skip(long n) throws IOException { // every byte passes through the digest: skipped bytes are read instead
				int r = read(new byte[(int) Math.max(0, Math.min(n, 1 << 13))], 0, (int) Math.max(0, Math.min(n, 1 << 13)));
				return Math.max(r, 0);
			}

			@Override
			public void close() throws IOException {
				if (closed) {
					return;
				}
				closed = true;
				try {
					byte[] rest = new byte[1 << 16];
					while (read(rest, 0, rest.length) > 0) {
						// the rest of the file, hashed
					}
				} finally {
					super.close();
				}
				record(file, new Read(HexFormat.of().formatHex(md.digest()), count[0]));
			}
		};
	}

	/** Records {@code read} as {@code file}'s reading; a reading of other bytes than the first is refused. */
	void record(Path file, Read read) {
		Read first = reads.putIfAbsent(key(file), read);
		if (first != null && !first.sha256().equals(read.sha256())) {
			throw changed(file, first.sha256(), read.sha256() + " when read again");
		}
	}

	/** The refusal of a dataset file found changed while it was read: {@code now} is its hash and when. */
	static InvalidInputException changed(Path file, String first, String now) {
		return new InvalidInputException(file + ": changed while it was read (sha256 " + first + " when first read, " + now
				+ "): the samples would be of two different files under one name, so the reading is refused",
				"read it again once nothing writes to the dataset (a copy, a download or an export still going?)");
	}

	private static Path key(Path file) {
		return file.toAbsolutePath().normalize();
	}

	static MessageDigest digest() {
		try {
			return MessageDigest.getInstance("SHA-256");
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("SHA-256 is required by every Java platform", e);
		}
	}
}
