package org.quantrace.dsl.ide.contentassist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.eclipse.emf.common.util.URI;
import org.eclipse.xtext.Assignment;
import org.eclipse.xtext.ide.editor.contentassist.ContentAssistContext;
import org.eclipse.xtext.ide.editor.contentassist.ContentAssistEntry;
import org.eclipse.xtext.ide.editor.contentassist.IIdeContentProposalAcceptor;
import org.eclipse.xtext.ide.editor.contentassist.IdeContentProposalProvider;

/**
 * Completion beyond keywords and declared names (which Xtext offers from the grammar and the scopes):
 * file paths, relative to the recipe's folder, for model files, data, label files and imports.
 */
public class RecipeProposals extends IdeContentProposalProvider {

	/** Which files each path setting proposes (folders are always offered, to descend into). */
	private static final Map<String, Predicate<String>> PATHS = Map.of(
			"path", n -> true,
			"labels", n -> n.endsWith(".json") || n.endsWith(".npy") || n.contains("idx") || n.contains("ubyte"),
			"importURI", n -> n.endsWith(".qr"));

	private static final int MAX_ENTRIES = 200;

	@Override
	protected void _createProposals(Assignment assignment, ContentAssistContext context, IIdeContentProposalAcceptor acceptor) {
		Predicate<String> files = PATHS.get(assignment.getFeature());
		if (files != null && "STRING".equals(ruleName(assignment))) {
			proposePaths(context, files, acceptor);
			return;
		}
		super._createProposals(assignment, context, acceptor);
	}

	private void proposePaths(ContentAssistContext context, Predicate<String> files, IIdeContentProposalAcceptor acceptor) {
		URI uri = context.getResource().getURI();
		if (!uri.isFile()) {
			return;
		}
		String typed = context.getPrefix().startsWith("\"") ? context.getPrefix().substring(1) : context.getPrefix();
		int slash = typed.lastIndexOf('/');
		String folder = slash < 0 ? "" : typed.substring(0, slash + 1);
		Path dir = Path.of(uri.toFileString()).getParent().resolve(folder.isEmpty() ? "." : folder);
		if (!Files.isDirectory(dir)) {
			return;
		}
		List<Path> entries;
		try (Stream<Path> list = Files.list(dir)) {
			entries = list.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().limit(MAX_ENTRIES).toList();
		} catch (IOException e) {
			return;
		}
		for (Path p : entries) {
			String name = p.getFileName().toString();
			boolean isDir = Files.isDirectory(p);
			if (!isDir && !files.test(name.toLowerCase(Locale.ROOT))) {
				continue;
			}
			// a folder stays open for the next segment; a file closes the string
			String proposal = "\"" + folder + name + (isDir ? "/" : "\"");
			ContentAssistEntry entry = getProposalCreator().createProposal(proposal, context, e -> {
				e.setKind(ContentAssistEntry.KIND_FILE);
				e.setLabel(folder + name + (isDir ? "/" : ""));
			});
			if (entry != null) {
				acceptor.accept(entry, getProposalPriorities().getDefaultPriority(entry));
			}
		}
	}

	private static String ruleName(Assignment a) {
		return a.getTerminal() instanceof org.eclipse.xtext.RuleCall call ? call.getRule().getName() : "";
	}
}
