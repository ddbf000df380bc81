package androidx.lifecycle.runtime;

public final class R {
  public static final class id {
    public static int view_tree_lifecycle_owner = 0x7f0100ad;
  }
}
