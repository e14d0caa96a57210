package org.quantrace.engine.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.quantrace.engine.SafeFiles;

/**
 * The files a dataset reads, each with its size and SHA-256, sorted by path, and the SHA-256 of that list:
 * one hash that changes when any sample file changes (recorded in the trace, checked by verify). A file the dataset's reader read
 * is listed as it read it ({@link Dataset#asRead}: the bytes its samples came from), not as it is when the list is made; one it has
 * not read (an image no step decoded) as it is now.
 */
public record DatasetManifest(List<Entry> entries, String sha256) {

	public record Entry(String path, long bytes, String sha256) {
	}

	public static DatasetManifest of(Dataset d) {
		List<Entry> entries = new ArrayList<>();
		for (Path f : d.files()) {
			Path file = d.root().resolve(f);
			FilesAsRead.Read read = d.asRead(file);
			try {
				entries.add(read != null ? new Entry(f.toString().replace('\\', '/'), read.bytes(), read.sha256())
						: new Entry(f.toString().replace('\\', '/'), java.nio.file.Files.size(file), SafeFiles.sha256(file)));
			} catch (java.io.IOException e) {
				throw new java.io.UncheckedIOException(e);
			}
		}
		entries.sort(Comparator.comparing(Entry::path));
		return new DatasetManifest(List.copyOf(entries), SafeFiles.sha256(text(entries).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
	}

	/** "sha256  bytes  path" lines, like sha256sum's output with sizes. */
	public String text() {
		return text(entries);
	}

	private static String text(List<Entry> entries) {
		StringBuilder s = new StringBuilder();
		entries.forEach(e -> s.append(e.sha256()).append("  ").append(e.bytes()).append("  ").append(e.path()).append('\n'));
		return s.toString();
	}
}
