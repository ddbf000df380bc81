package androidx.navigationevent;

public final class R {
  public static final class id {
    public static int view_tree_navigation_event_dispatcher_owner = 0x7f0100af;
  }
}
