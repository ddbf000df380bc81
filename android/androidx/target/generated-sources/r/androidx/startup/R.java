package androidx.startup;

public final class R {
  public static final class string {
    public static int androidx_startup = 0x7f0100c2;
  }
}
