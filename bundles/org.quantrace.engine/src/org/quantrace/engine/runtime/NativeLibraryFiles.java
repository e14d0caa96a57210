package org.quantrace.engine.runtime;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The copies of ONNX Runtime's native libraries its Java binding leaves in the temporary folder. Each JVM that loads it copies
 * them (28 MB on linux-x64) into a new folder {@code onnxruntime-java<random>} under {@code java.io.tmpdir} and only asks for
 * them to be deleted at exit ({@code File.deleteOnExit}, the folder before the files it holds, so it stays): every Quantrace
 * process left an empty folder (3,561 in /tmp on the build machine, 2026-12-07), and every one killed or halted (kill -9, the
 * second Ctrl-C's halt, a test JVM stopped) left the libraries in it too (181 folders, 4.9 GB). On Linux a loaded library's
 * file can be removed at once, the process keeps its mapping: the folder goes as soon as the libraries are loaded. It is found
 * by this process's own memory map ({@code /proc/self/maps}), never by its name: another process's folder is not touched.
 * Elsewhere (no {@code /proc}; Windows cannot remove a loaded library) nothing changes.
 */
final class NativeLibraryFiles {

	private static final Path MAPS = Path.of("/proc/self/maps");
	private static final String FOLDER_PREFIX = "onnxruntime-java";

	private NativeLibraryFiles() {
	}

	/**
	 * Removes the folder(s) under {@code tmp} that ONNX Runtime extracted the libraries this process has loaded into, with those
	 * library files; returns the folders removed (none where the libraries came from elsewhere, {@code onnxruntime.native.path}).
	 */
	static List<Path> removeExtracted(Path tmp) {
		Set<Path> folders = new LinkedHashSet<>();
		Path realTmp;
		try {
			if (!Files.isReadable(MAPS)) {
				return List.of();
			}
			realTmp = tmp.toRealPath();
			for (String line : Files.readAllLines(MAPS)) {
				int slash = line.indexOf('/');
				if (slash < 0) {
					continue;
				}
				Path mapped = Path.of(line.substring(slash));
				Path folder = mapped.getParent();
				if (mapped.getFileName().toString().startsWith("libonnxruntime") && folder != null && realTmp.equals(folder.getParent())
						&& folder.getFileName().toString().startsWith(FOLDER_PREFIX)) {
					folders.add(folder);
				}
			}
		} catch (IOException | RuntimeException e) {
			return List.of(); // best effort: ONNX Runtime's own deletion at exit is still there
		}
		return folders.stream().filter(NativeLibraryFiles::remove).toList();
	}

	/** Deletes {@code folder}'s files (ONNX Runtime's copies, made for this process alone) and the folder, never through a link. */
	private static boolean remove(Path folder) {
		try {
			if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
				return false;
			}
			try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
				for (Path f : files) {
					if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(f)) {
						Files.deleteIfExists(f);
					}
				}
			}
			Files.delete(folder);
			return true;
		} catch (IOException e) {
			return false; // a folder of something else than the libraries is left as it is
		}
	}
}
