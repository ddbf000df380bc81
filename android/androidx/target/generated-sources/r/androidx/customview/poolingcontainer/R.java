package androidx.customview.poolingcontainer;

public final class R {
  public static final class id {
    public static int is_pooling_container_tag = 0x7f0100ab;
    public static int pooling_container_listener_holder_tag = 0x7f0100ac;
  }
}
