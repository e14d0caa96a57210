package org.quantrace.engine;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * An output name the file system cannot hold. A file name holds 255 bytes on Linux's and macOS's file systems (ext4, xfs, btrfs,
 * tmpfs, APFS), and quantrace writes each output under a longer hidden name beside it first ({@code .NAME.RANDOM.tmp}, a run's
 * {@code .NAME.partial-PID}), then moves it. {@code quantize -o} a 300-character name, or `run -o` one of 250, stopped after the
 * work with exit 3, "cannot write the model (File name too long)" or "cannot lock the output folder", and the hint "check the
 * folder exists and is writable" (hostile15): the name is the user's to shorten, said before any work.
 */
public final class OutputNames {

	/** The bytes of one file or folder name (NAME_MAX). */
	public static final int NAME_BYTES = 255;

	private OutputNames() {
	}

	/**
	 * Refuses {@code target} when a folder on its way holds a name longer than a file system takes, or its own name with the
	 * {@code extra} bytes of what is written beside it ({@code beside}, e.g. ".NAME.RANDOM.tmp") would be.
	 *
	 * @throws InvalidInputException naming the name, its length and the length to keep to
	 */
	public static void checkFits(Path target, int extra, String beside) {
		Path absolute = target.toAbsolutePath().normalize();
		for (int i = 0; i < absolute.getNameCount() - 1; i++) {
			Path name = absolute.getName(i);
			int bytes = bytes(name);
			if (bytes > NAME_BYTES) {
				throw new InvalidInputException(target + ": the folder name " + shortened(name) + " is " + bytes + " bytes long, beyond the " + NAME_BYTES
						+ " a file or folder name holds (Linux and macOS file systems)", "give a path whose folder names hold at most " + NAME_BYTES + " bytes each");
			}
		}
		Path own = absolute.getFileName();
		int bytes = own == null ? 0 : bytes(own);
		if (bytes + extra > NAME_BYTES) {
			throw new InvalidInputException(target + ": its name is " + bytes + " bytes long, and quantrace writes it first as " + beside + " beside it ("
					+ (bytes + extra) + " bytes), beyond the " + NAME_BYTES + " a file or folder name holds (Linux and macOS file systems)",
					"give a name of at most " + (NAME_BYTES - extra) + " bytes (an accented letter takes 2, most other scripts 3)");
		}
	}

	private static int bytes(Path name) {
		return name.toString().getBytes(StandardCharsets.UTF_8).length;
	}

	private static String shortened(Path name) {
		String s = name.toString();
		return s.length() <= 40 ? "'" + s + "'" : "'" + s.substring(0, 20) + "..." + s.substring(s.length() - 12) + "'";
	}
}
