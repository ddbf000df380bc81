package androidx.activity;

public final class R {
  public static final class id {
    public static int report_drawn = 0x7f010000;
    public static int view_tree_on_back_pressed_dispatcher_owner = 0x7f010001;
  }
}
