package androidx.recyclerview;

public final class R {
  public static final class attr {
    public static int fastScrollEnabled = 0x7f0100b0;
    public static int fastScrollHorizontalThumbDrawable = 0x7f0100b1;
    public static int fastScrollHorizontalTrackDrawable = 0x7f0100b2;
    public static int fastScrollVerticalThumbDrawable = 0x7f0100b3;
    public static int fastScrollVerticalTrackDrawable = 0x7f0100b4;
    public static int layoutManager = 0x7f0100b5;
    public static int recyclerViewStyle = 0x7f0100b6;
    public static int reverseLayout = 0x7f0100b7;
    public static int spanCount = 0x7f0100b8;
    public static int stackFromEnd = 0x7f0100b9;
  }
  public static final class dimen {
    public static int fastscroll_default_thickness = 0x7f0100ba;
    public static int fastscroll_margin = 0x7f0100bb;
    public static int fastscroll_minimum_range = 0x7f0100bc;
    public static int item_touch_helper_max_drag_scroll_per_frame = 0x7f0100bd;
    public static int item_touch_helper_swipe_escape_max_velocity = 0x7f0100be;
    public static int item_touch_helper_swipe_escape_velocity = 0x7f0100bf;
  }
  public static final class id {
    public static int item_touch_helper_previous_elevation = 0x7f0100c0;
  }
  public static final class styleable {
    public static int[] RecyclerView = new int[] { 0x10100eb, 0x10100f1, 0x10100c4, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0 };
    public static int RecyclerView_android_clipToPadding = 0x0;
    public static int RecyclerView_android_descendantFocusability = 0x1;
    public static int RecyclerView_android_orientation = 0x2;
    public static int RecyclerView_fastScrollEnabled = 0x3;
    public static int RecyclerView_fastScrollHorizontalThumbDrawable = 0x4;
    public static int RecyclerView_fastScrollHorizontalTrackDrawable = 0x5;
    public static int RecyclerView_fastScrollVerticalThumbDrawable = 0x6;
    public static int RecyclerView_fastScrollVerticalTrackDrawable = 0x7;
    public static int RecyclerView_layoutManager = 0x8;
    public static int RecyclerView_reverseLayout = 0x9;
    public static int RecyclerView_spanCount = 0xa;
    public static int RecyclerView_stackFromEnd = 0xb;
  }
}
