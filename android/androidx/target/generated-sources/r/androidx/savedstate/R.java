package androidx.savedstate;

public final class R {
  public static final class id {
    public static int view_tree_saved_state_registry_owner = 0x7f0100c1;
  }
}
