package androidx.core.viewtree;

public final class R {
  public static final class id {
    public static int view_tree_disjoint_parent = 0x7f0100a8;
  }
}
