package org.quantrace.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Ansi.Text;
import picocli.CommandLine.Help.Column;
import picocli.CommandLine.Help.ColorScheme;
import picocli.CommandLine.Help.TextTable;
import picocli.CommandLine.IHelpFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * {@code --help} laid out by words. Picocli wraps long texts with the JDK's line break iterator, which breaks
 * after a dot that follows a space (".npy", ".csv") and inside names such as MODEL.onnx; here a line breaks at
 * spaces only, so file names and extensions stay whole. The command list shows each command's one-line
 * {@code header}, a whole sentence.
 */
final class HelpLayout implements IHelpFactory {

	@Override
	public Help create(CommandSpec spec, ColorScheme colors) {
		return new WordHelp(spec, colors);
	}

	private static final class WordHelp extends Help {

		WordHelp(CommandSpec spec, ColorScheme colors) {
			super(spec, colors);
		}

		private int width() {
			return commandSpec().usageMessage().width();
		}

		@Override
		public Layout createDefaultLayout() {
			return byWords(super.createDefaultLayout());
		}

		@Override
		public Layout createDefaultLayout(List<OptionSpec> options, List<PositionalParamSpec> positionals, ColorScheme scheme) {
			return byWords(super.createDefaultLayout(options, positionals, scheme));
		}

		private Layout byWords(Layout l) {
			WordTable table = new WordTable(l.colorScheme(), l.textTable().columns());
			table.indentWrappedLines = l.textTable().indentWrappedLines;
			return new Layout(l.colorScheme(), table, l.optionRenderer(), l.parameterRenderer());
		}

		@Override
		public String header(Object... params) {
			return paragraph(commandSpec().usageMessage().header(), params);
		}

		@Override
		public String description(Object... params) {
			return paragraph(commandSpec().usageMessage().description(), params);
		}

		private String paragraph(String[] lines, Object... params) {
			if (lines == null || lines.length == 0) {
				return "";
			}
			WordTable table = new WordTable(colorScheme(), new Column(width(), 0, Column.Overflow.WRAP));
			table.indentWrappedLines = 0;
			for (String line : lines) {
				table.addRowValues(colorScheme().text(String.format(Locale.ROOT, line, params)));
			}
			return table.toString();
		}

		/** A row per command: its name and its header, the one-line summary (the description's first line if it has none). */
		@Override
		public String commandList(Map<String, Help> subcommands) {
			if (subcommands.isEmpty()) {
				return "";
			}
			int names = subcommands.keySet().stream().mapToInt(String::length).max().orElse(0);
			WordTable table = new WordTable(colorScheme(), new Column(names + 2, 2, Column.Overflow.SPAN),
					new Column(width() - (names + 2), 2, Column.Overflow.WRAP));
			for (Map.Entry<String, Help> e : subcommands.entrySet()) {
				UsageMessageSpec usage = e.getValue().commandSpec().usageMessage();
				String summary = usage.header().length > 0 ? usage.header()[0] : usage.description().length > 0 ? usage.description()[0] : "";
				table.addRowValues(colorScheme().commandText(e.getKey()), colorScheme().text(String.format(Locale.ROOT, summary)));
			}
			return table.toString();
		}

		@Override
		protected String insertSynopsisCommandName(int headingLength, Text details) {
			String name = commandSpec().qualifiedName();
			int indent = headingLength + name.length() + 1;
			if (indent > commandSpec().usageMessage().synopsisAutoIndentThreshold() * width()) {
				int configured = commandSpec().usageMessage().synopsisIndent();
				indent = Math.min(configured < 0 ? headingLength : configured, (int) (0.9 * width()));
			}
			WordTable table = new WordTable(colorScheme(), new Column(width(), 0, Column.Overflow.WRAP));
			table.indentWrappedLines = indent;
			// the heading ("Usage: ") is printed before this text: stand-in characters take its room on the first line
			Text padding = Help.Ansi.OFF.new Text("X".repeat(headingLength), colorScheme());
			table.addRowValues(padding.concat(colorScheme().commandText(name)).concat(details));
			return table.toString().substring(headingLength);
		}
	}

	/** A text table whose wrapping columns break lines at spaces only. */
	static final class WordTable extends TextTable {

		private final ColorScheme colors;

		WordTable(ColorScheme colors, Column... columns) {
			super(colors, columns);
			this.colors = colors;
		}

		@Override
		public Cell putValue(int row, int col, Text value) {
			Column column = columns()[col];
			if (column.overflow != Column.Overflow.WRAP || value == null || value.plainString().isEmpty()) {
				return super.putValue(row, col, value);
			}
			List<int[]> lines = wrap(value.plainString(), column.width - column.indent, column.width - column.indent - indentWrappedLines);
			Cell cell = null;
			for (int i = 0; i < lines.size(); i++) {
				Text line = value.substring(lines.get(i)[0], lines.get(i)[1]);
				if (i > 0) {
					addEmptyRow();
					row++;
					line = colors.ansi().new Text(" ".repeat(indentWrappedLines), colors).concat(line);
				}
				cell = super.putValue(row, col, line);
				row = cell.row;
			}
			return cell;
		}

		/** [start, end) of each line of {@code text}, greedy, breaking at spaces (a longer word stands on a line of its own). */
		static List<int[]> wrap(String text, int firstWidth, int nextWidth) {
			List<int[]> lines = new ArrayList<>();
			int start = 0;
			int n = text.length();
			while (start < n) {
				int width = Math.max(1, lines.isEmpty() ? firstWidth : nextWidth);
				if (n - start <= width) {
					lines.add(new int[] { start, n });
					break;
				}
				int end = text.lastIndexOf(' ', start + width);
				if (end <= start) { // a word longer than the line
					end = text.indexOf(' ', start + width);
					end = end < 0 ? n : end;
				}
				lines.add(new int[] { start, end });
				start = end;
				while (start < n && text.charAt(start) == ' ') {
					start++;
				}
			}
			return lines;
		}
	}
}
