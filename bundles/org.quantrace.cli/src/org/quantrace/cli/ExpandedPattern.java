package org.quantrace.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Arguments that are the files an unquoted shell pattern matched ({@code --data data/evaluation/bag/*.png}): the shell passes
 * each as an argument of its own, so an option took the first and the others were read as models ("data/evaluation/bag/00030.png:
 * not an ONNX model ... give an .onnx file") or left over ("unexpected arguments 'data/calibration/bag/', ..."). Quantrace reads
 * one dataset, a file or a folder, and expands no pattern itself.
 */
final class ExpandedPattern {

	private ExpandedPattern() {
	}

	/**
	 * The paths of {@code args} (at least two) that lie in one folder and share one extension (".png", or "/" for folders), none an
	 * ONNX model: what a pattern expands to; empty when the arguments are not such a set.
	 */
	static List<Path> files(List<Path> args) {
		if (args.size() < 2 || args.stream().anyMatch(p -> !Files.exists(p) || name(p).endsWith(".onnx"))) {
			return List.of();
		}
		Path folder = parent(args.get(0));
		String kind = kind(args.get(0));
		return args.stream().allMatch(p -> parent(p).equals(folder) && kind(p).equals(kind)) ? args : List.of();
	}

	/** How to give the data instead: the folder of class folders a folder of images lies in, else the files' folder. */
	static String hint(List<Path> files) {
		Path typed = files.get(0).getParent(); // as the user typed it
		String folder = typed == null ? "." : typed.toString();
		String dataset = Files.isDirectory(files.get(0)) ? folder : typed == null ? ".." : typed.getParent() == null ? "." : typed.getParent().toString();
		return "the shell expanded an unquoted pattern into paths of " + folder + " (" + files.get(0).getFileName() + ", "
				+ files.get(1).getFileName() + ", ...), each an argument of its own; Quantrace reads one dataset, a file or a folder (of class folders"
				+ " for images, e.g. " + dataset + "): give that one path";
	}

	private static Path parent(Path p) {
		Path parent = p.toAbsolutePath().normalize().getParent();
		return parent == null ? p.toAbsolutePath().getRoot() : parent;
	}

	private static String name(Path p) {
		return p.getFileName() == null ? "" : p.getFileName().toString().toLowerCase(Locale.ROOT);
	}

	/** A folder's "/", else the name's extension (".png"; "" without one). */
	private static String kind(Path p) {
		if (Files.isDirectory(p)) {
			return "/";
		}
		String n = name(p);
		return n.lastIndexOf('.') < 0 ? "" : n.substring(n.lastIndexOf('.'));
	}
}
