package org.quantrace.engine.data;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipException;

/**
 * The central directory of a zip archive read in one pass ({@link NpzDataset}): the archive streams through {@link Tail} into a
 * ZipInputStream, which reads the entries by their local headers, and the directory at its end, the list numpy.load and ZipFile
 * read, is taken from the bytes the tail kept, so that the two can be held against each other without a second reading or a
 * copy of the file (a temporary copy was left behind when the process was killed while reading it).
 */
final class ZipDirectory {

	/** One entry the directory lists: its name and CRC-32. */
	record Entry(String name, long crc) {
	}

	/** The archive's last bytes kept: its directory (a few hundred bytes for an .npz of a few arrays) and its end records. */
	static final int KEPT = 1 << 20;

	private static final int END = 0x06054b50;
	private static final int END64 = 0x06064b50;
	private static final int LOCATOR64 = 0x07064b50;
	private static final int CENTRAL = 0x02014b50;

	private ZipDirectory() {
	}

	/** A stream that keeps the last {@link #KEPT} bytes read through it, and their count. */
	static final class Tail extends FilterInputStream {
		private final byte[] ring = new byte[KEPT];
		private long count;
		private final byte[] first = new byte[4];

		Tail(InputStream in) {
			super(in);
		}

		@Override
		public int read() throws IOException {
			int b = super.read();
			if (b >= 0) {
				keep(new byte[] { (byte) b }, 0, 1);
			}
			return b;
		}

		@Override
		public int read(byte[] b, int off, int len) throws IOException {
			int n = super.read(b, off, len);
			if (n > 0) {
				keep(b, off, n);
			}
			return n;
		}

		@Override
		public long skip(long n) throws IOException { // skipped bytes are read, so that they pass through the ring (and the caller's hash)
			byte[] skipped = new byte[(int) Math.max(0, Math.min(n, 1 << 13))];
			return Math.max(0, read(skipped, 0, skipped.length));
		}

		private void keep(byte[] b, int off, int n) {
			for (int i = 0; i < n; i++) {
				if (count + i < first.length) {
					first[(int) (count + i)] = b[off + i];
				}
			}
			int from = n > KEPT ? off + n - KEPT : off;
			int len = Math.min(n, KEPT);
			int at = (int) ((count + (n - len)) % KEPT);
			int head = Math.min(len, KEPT - at);
			System.arraycopy(b, from, ring, at, head);
			System.arraycopy(b, from + head, ring, 0, len - head);
			count += n;
		}

		/** Reads what is left, so that the tail is the archive's end. */
		void drain() throws IOException {
			byte[] rest = new byte[1 << 16];
			while (read(rest, 0, rest.length) >= 0) {
				// kept in the ring
			}
		}

		/** Whether the archive begins with a local entry's signature (PK, 3, 4), as every .npz does. */
		boolean startsLikeZip() {
			return count >= 4 && first[0] == 'P' && first[1] == 'K' && first[2] == 3 && first[3] == 4;
		}

		/** The entries the archive's central directory lists, from the bytes kept; an archive without a readable end is refused. */
		List<Entry> directory() throws ZipException {
			int kept = (int) Math.min(count, KEPT);
			byte[] tail = new byte[kept];
			int start = (int) ((count - kept) % KEPT);
			int head = Math.min(kept, KEPT - start);
			System.arraycopy(ring, start, tail, 0, head);
			System.arraycopy(ring, 0, tail, head, kept - head);
			return entries(tail, count);
		}
	}

	/** The directory's entries, from {@code tail}, the last bytes of an archive of {@code total} bytes. */
	static List<Entry> entries(byte[] tail, long total) throws ZipException {
		ByteBuffer b = ByteBuffer.wrap(tail).order(ByteOrder.LITTLE_ENDIAN);
		int end = -1;
		for (int i = tail.length - 22; i >= Math.max(0, tail.length - 22 - 0xFFFF); i--) { // the end record, before a comment of at most 64 KiB
			if (b.getInt(i) == END && i + 22 + Short.toUnsignedInt(b.getShort(i + 20)) == tail.length) {
				end = i;
				break;
			}
		}
		if (end < 0) {
			throw new ZipException("zip END header not found");
		}
		long size = Integer.toUnsignedLong(b.getInt(end + 12));
		long offset = Integer.toUnsignedLong(b.getInt(end + 16));
		if ((size == 0xFFFFFFFFL || offset == 0xFFFFFFFFL) && end >= 20 && b.getInt(end - 20) == LOCATOR64) {
			long record = b.getLong(end - 20 + 8) - (total - tail.length);
			if (record < 0 || record + 56 > tail.length || b.getInt((int) record) != END64) {
				throw new ZipException("zip64 END header not found");
			}
			size = b.getLong((int) record + 40);
			offset = b.getLong((int) record + 48);
		}
		long at = offset - (total - tail.length);
		if (at < 0 || at + size > tail.length) {
			throw new ZipException("the central directory (" + size + " bytes at " + offset + ") is not within the archive's last " + tail.length + " bytes");
		}
		List<Entry> entries = new ArrayList<>();
		for (int i = (int) at; i < at + size;) {
			if (i + 46 > tail.length || b.getInt(i) != CENTRAL) {
				throw new ZipException("invalid central directory header at " + (i + total - tail.length));
			}
			int name = Short.toUnsignedInt(b.getShort(i + 28));
			int extra = Short.toUnsignedInt(b.getShort(i + 30));
			int comment = Short.toUnsignedInt(b.getShort(i + 32));
			if (i + 46 + name > tail.length) {
				throw new ZipException("invalid central directory header at " + (i + total - tail.length));
			}
			entries.add(new Entry(new String(tail, i + 46, name, StandardCharsets.UTF_8), Integer.toUnsignedLong(b.getInt(i + 16))));
			i += 46 + name + extra + comment;
		}
		return entries;
	}
}
