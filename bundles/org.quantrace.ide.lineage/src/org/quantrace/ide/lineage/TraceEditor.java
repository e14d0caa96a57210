package org.quantrace.ide.lineage;

import java.nio.file.Path;

import org.eclipse.core.resources.IFile;
import org.eclipse.core.resources.IResourceChangeEvent;
import org.eclipse.core.resources.IResourceChangeListener;
import org.eclipse.core.resources.IResourceDelta;
import org.eclipse.core.resources.ResourcesPlugin;
import org.eclipse.core.runtime.CoreException;
import org.eclipse.core.runtime.IProgressMonitor;
import org.eclipse.core.runtime.ListenerList;
import org.eclipse.emf.common.util.URI;
import org.eclipse.emf.ecore.resource.Resource;
import org.eclipse.emf.ecore.resource.ResourceSet;
import org.eclipse.emf.ecore.resource.impl.ResourceSetImpl;
import org.eclipse.emf.ecore.xmi.impl.XMIResourceFactoryImpl;
import org.eclipse.jface.action.Action;
import org.eclipse.jface.action.IMenuManager;
import org.eclipse.jface.action.MenuManager;
import org.eclipse.jface.dialogs.ErrorDialog;
import org.eclipse.jface.viewers.ISelection;
import org.eclipse.jface.viewers.ISelectionChangedListener;
import org.eclipse.jface.viewers.ISelectionProvider;
import org.eclipse.jface.viewers.IStructuredSelection;
import org.eclipse.jface.viewers.SelectionChangedEvent;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.jface.viewers.TreeViewer;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.CTabFolder;
import org.eclipse.swt.custom.CTabItem;
import org.eclipse.swt.custom.ScrolledComposite;
import org.eclipse.swt.graphics.GC;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.ui.IEditorInput;
import org.eclipse.ui.IEditorSite;
import org.eclipse.ui.IFileEditorInput;
import org.eclipse.ui.IURIEditorInput;
import org.eclipse.ui.PartInitException;
import org.eclipse.ui.part.EditorPart;
import org.eclipse.ui.views.properties.IPropertySheetPage;
import org.quantrace.model.trace.TraceModel;
import org.quantrace.model.trace.TracePackage;
import org.quantrace.model.trace.TracedElement;
import org.quantrace.report.LineageGraph;

/**
 * A run's trace.xmi in the workbench: the lineage diagram (every dataset, model and record, trace links as
 * labelled arrows, laid out by ELK as in the report) and a tree of the whole trace. Selecting an element
 * shows its properties (hashes, metrics, parameters) in the Properties view; double-click opens what it
 * stands for. The editor follows the file: a new run of the recipe redraws it.
 */
public final class TraceEditor extends EditorPart implements IResourceChangeListener {

	public static final String ID = "org.quantrace.ide.lineage.traceEditor";

	private final Selection selection = new Selection();
	private Path file;
	private TraceModel trace;
	private CTabFolder tabs;
	private LineageCanvas canvas;
	private ScrolledComposite scroll;
	private boolean fitted;
	private TreeViewer tree;

	@Override
	public void init(IEditorSite site, IEditorInput input) throws PartInitException {
		setSite(site);
		setInput(input);
		if (input instanceof IFileEditorInput f && f.getFile().getLocation() != null) {
			file = f.getFile().getLocation().toPath();
		} else if (input instanceof IURIEditorInput u && "file".equals(u.getURI().getScheme())) {
			file = Path.of(u.getURI());
		} else {
			throw new PartInitException("The trace editor opens trace.xmi files on disk, not " + input.getName());
		}
		trace = load(file);
		setPartName(input.getName() + " (" + trace.getRecipeName() + ")");
		setTitleToolTip(file.toString());
		site.setSelectionProvider(selection);
		ResourcesPlugin.getWorkspace().addResourceChangeListener(this, IResourceChangeEvent.POST_CHANGE);
	}

	/** Reads a trace model; says clearly when the file is something else. */
	static TraceModel load(Path file) throws PartInitException {
		TracePackage.eINSTANCE.eClass();
		ResourceSet set = new ResourceSetImpl();
		set.getResourceFactoryRegistry().getExtensionToFactoryMap().put("*", new XMIResourceFactoryImpl());
		try {
			Resource r = set.getResource(URI.createFileURI(file.toString()), true);
			if (r.getContents().isEmpty() || !(r.getContents().get(0) instanceof TraceModel t)) {
				throw new PartInitException(file + " is not a Quantrace trace (no TraceModel at its root)");
			}
			return t;
		} catch (RuntimeException e) {
			throw new PartInitException(file + " cannot be read as a Quantrace trace: " + e.getMessage(), e);
		}
	}

	@Override
	public void createPartControl(Composite parent) {
		tabs = new CTabFolder(parent, SWT.BOTTOM | SWT.FLAT);
		scroll = new ScrolledComposite(tabs, SWT.H_SCROLL | SWT.V_SCROLL);
		canvas = new LineageCanvas(scroll);
		scroll.setContent(canvas);
		CTabItem lineage = new CTabItem(tabs, SWT.NONE);
		lineage.setText("Lineage");
		lineage.setControl(scroll);
		tree = new TreeViewer(tabs, SWT.MULTI | SWT.H_SCROLL | SWT.V_SCROLL);
		tree.setContentProvider(new TraceTree.Content());
		tree.setLabelProvider(new TraceTree.Labels());
		CTabItem treeItem = new CTabItem(tabs, SWT.NONE);
		treeItem.setText("Tree");
		treeItem.setControl(tree.getControl());
		tabs.setSelection(lineage);
		scroll.addListener(SWT.Resize, e -> {
			if (!fitted && scroll.getClientArea().width > 0) {
				fitted = true;
				fit();
			}
		});

		canvas.addSelectionListener(e -> selection.set(e == null ? StructuredSelection.EMPTY : new StructuredSelection(e)));
		canvas.addOpenListener(this::open);
		tree.addSelectionChangedListener(e -> selection.set(e.getSelection()));
		tree.addDoubleClickListener(e -> {
			if (((IStructuredSelection) e.getSelection()).getFirstElement() instanceof TracedElement t) {
				open(t);
			}
		});
		tabs.addListener(SWT.Selection, e -> selection.set(tabs.getSelectionIndex() == 0 ? selectionOf(canvas.selection()) : tree.getSelection()));
		menu();
		show(trace);
	}

	private void show(TraceModel t) {
		this.trace = t;
		GC gc = new GC(canvas);
		double charWidth = gc.getFontMetrics().getAverageCharacterWidth() + 0.6;
		gc.dispose();
		canvas.setGraph(LineageGraph.of(t, new LineageGraph.Options(true, true, charWidth)));
		fit();
		tree.setInput(new TraceTree.Root(t));
		tree.expandToLevel(2);
	}

	/** Zooms the diagram to fit the editor (a run of many models is wide), or to actual size when it fits. */
	public void fit() {
		org.eclipse.swt.graphics.Rectangle area = scroll.getClientArea();
		canvas.setScale(area.width > 0 ? canvas.fitScale(area.width, area.height) : 1);
	}

	private static ISelection selectionOf(TracedElement e) {
		return e == null ? StructuredSelection.EMPTY : new StructuredSelection(e);
	}

	/** Double-click: a model's inspection, a dataset's manifest, a record's log section. */
	public void open(TracedElement e) {
		run(() -> navigation().open(e));
	}

	public TraceNavigation navigation() {
		return new TraceNavigation(trace, file.getParent(), getSite().getPage());
	}

	private interface Opening {
		Object run() throws CoreException;
	}

	private void run(Opening o) {
		try {
			o.run();
		} catch (CoreException ex) {
			ErrorDialog.openError(getSite().getShell(), "Quantrace trace", null, ex.getStatus());
		}
	}

	private void menu() {
		for (org.eclipse.swt.widgets.Control c : new org.eclipse.swt.widgets.Control[] { canvas, tree.getControl() }) {
			MenuManager menu = new MenuManager();
			menu.setRemoveAllWhenShown(true);
			menu.addMenuListener(this::fill);
			c.setMenu(menu.createContextMenu(c));
		}
	}

	private void fill(IMenuManager menu) {
		if (tabs.getSelectionIndex() == 0) {
			menu.add(action("Zoom to Fit", () -> {
				fit();
				return null;
			}));
			menu.add(action("Actual Size", () -> {
				canvas.setScale(1);
				return null;
			}));
		}
		if (!(((IStructuredSelection) selection.getSelection()).getFirstElement() instanceof TracedElement e)) {
			return;
		}
		menu.add(action("Open", () -> navigation().open(e)));
		menu.add(action("Open Declaration in Recipe", () -> navigation().declaration(e)));
		menu.add(action("Show in " + (tabs.getSelectionIndex() == 0 ? "Tree" : "Lineage"), () -> {
			if (tabs.getSelectionIndex() == 0) {
				tabs.setSelection(1);
				tree.setSelection(new StructuredSelection(e), true);
			} else {
				tabs.setSelection(0);
				reveal(e);
			}
			return null;
		}));
	}

	private Action action(String label, Opening o) {
		return new Action(label) {
			@Override
			public void run() {
				TraceEditor.this.run(o);
			}
		};
	}

	/** Selects {@code e} in the diagram and scrolls to it. */
	public void reveal(TracedElement e) {
		canvas.select(e);
		LineageGraph.Node n = canvas.graph().node(e);
		if (n != null) {
			scroll.setOrigin((int) Math.max(0, (n.x() - 40) * canvas.scale()), (int) Math.max(0, (n.y() - 40) * canvas.scale()));
		}
	}

	/** The lineage diagram (tests and screenshots). */
	public LineageCanvas canvas() {
		return canvas;
	}

	public TreeViewer tree() {
		return tree;
	}

	public TraceModel trace() {
		return trace;
	}

	@Override
	public void resourceChanged(IResourceChangeEvent event) {
		IFile[] files = ResourcesPlugin.getWorkspace().getRoot().findFilesForLocationURI(file.toUri());
		for (IFile f : files) {
			IResourceDelta d = event.getDelta() == null ? null : event.getDelta().findMember(f.getFullPath());
			if (d != null && f.exists() && (d.getKind() == IResourceDelta.ADDED || (d.getFlags() & IResourceDelta.CONTENT) != 0)) {
				getSite().getShell().getDisplay().asyncExec(this::reload);
				return;
			}
		}
	}

	private void reload() {
		if (canvas == null || canvas.isDisposed()) {
			return;
		}
		try {
			show(load(file));
		} catch (PartInitException e) {
			// a run is replacing the file: the next change redraws it
		}
	}

	@SuppressWarnings("unchecked")
	@Override
	public <T> T getAdapter(Class<T> adapter) {
		if (adapter == IPropertySheetPage.class) {
			return (T) new TracePropertySheetPage();
		}
		return super.getAdapter(adapter);
	}

	@Override
	public void setFocus() {
		tabs.setFocus();
	}

	@Override
	public void dispose() {
		ResourcesPlugin.getWorkspace().removeResourceChangeListener(this);
		super.dispose();
	}

	@Override
	public void doSave(IProgressMonitor monitor) {
	}

	@Override
	public void doSaveAs() {
	}

	@Override
	public boolean isDirty() {
		return false;
	}

	@Override
	public boolean isSaveAsAllowed() {
		return false;
	}

	/** The editor's selection: the selected box or tree item, for the Properties view. */
	private static final class Selection implements ISelectionProvider {
		private final ListenerList<ISelectionChangedListener> listeners = new ListenerList<>();
		private ISelection current = StructuredSelection.EMPTY;

		void set(ISelection s) {
			current = s;
			SelectionChangedEvent event = new SelectionChangedEvent(this, s);
			for (ISelectionChangedListener l : listeners) {
				l.selectionChanged(event);
			}
		}

		@Override
		public void addSelectionChangedListener(ISelectionChangedListener listener) {
			listeners.add(listener);
		}

		@Override
		public ISelection getSelection() {
			return current;
		}

		@Override
		public void removeSelectionChangedListener(ISelectionChangedListener listener) {
			listeners.remove(listener);
		}

		@Override
		public void setSelection(ISelection selection) {
			set(selection);
		}
	}

}
