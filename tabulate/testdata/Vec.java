import java.util.*;
import java.math.*;
import java.io.*;

// Generates test vectors for canvass's ports of java.util.Random,
// Collections.shuffle, BigDecimal, String.compareTo and HashMap order.
public class Vec {
  static String[] NAMES = {"Al", "Betsy Hodges", "Mark Andrew", "DON SAMUELS", "CAM WINTON", "Undeclared Write-ins",
    "Zoë", "Émile", "alpha", "Alpha", "ALPHA", "x", "Jacob Frey", "Tom Hoch", "Raymond Dehn", "Nekima Levy-Pounds",
    "A", "B", "C", "D", "E", "F", "G", "H", "\uD83D\uDE00 smile", "\uFF21 fullwidth", "Candidate 10", "Candidate 2"};
  public static void main(String[] a) throws Exception {
    PrintWriter out = new PrintWriter(new FileWriter(a[0]));
    Random meta = new Random(2024);
    long[] seeds = {0, 1, 42, 12345, -1, -5, 9, 140737488355327L, -140737488355328L, 123456789012L};
    for (long s : seeds) {
      Random r = new Random(s);
      StringBuilder sb = new StringBuilder("double " + s);
      for (int i = 0; i < 5; i++) sb.append(' ').append(r.nextDouble());
      out.println(sb);
      for (int bound : new int[]{1, 2, 3, 7, 10, 16, 100, 1 << 30, Integer.MAX_VALUE, 1000000007}) {
        r = new Random(s);
        sb = new StringBuilder("int " + s + " " + bound);
        for (int i = 0; i < 5; i++) sb.append(' ').append(r.nextInt(bound));
        out.println(sb);
      }
      for (int n : new int[]{2, 5, 13, 40}) {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(i);
        Collections.shuffle(l, new Random(s));
        sb = new StringBuilder("shuffle " + s + " " + n);
        for (int v : l) sb.append(' ').append(v);
        out.println(sb);
      }
    }
    // String order and hash codes.
    for (String x : NAMES) {
      out.println("hash\t" + x + "\t" + x.hashCode());
      for (String y : NAMES) out.println("cmp\t" + x + "\t" + y + "\t" + Integer.signum(x.compareTo(y)));
    }
    // HashMap iteration after incremental puts, and HashSet(Collection).
    for (int t = 0; t < 60; t++) {
      int n = 1 + meta.nextInt(60);
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < n; i++) keys.add("Cand " + meta.nextInt(100000) + " " + (char)('A' + meta.nextInt(26)));
      keys = new ArrayList<>(new LinkedHashSet<>(keys));
      Map<String, Integer> m = new HashMap<>();
      for (String k : keys) m.put(k, 0);
      out.println("map\t" + String.join("|", keys) + "\t" + String.join("|", m.keySet()));
      Set<String> hs = new HashSet<>(keys);
      out.println("set\t" + String.join("|", keys) + "\t" + String.join("|", hs));
    }
    // BigDecimal.
    String[] vals = {"0", "1", "-1", "14866.0000", "0.0000", "0.0937", "10.2811", "3.0310",
      "0.00000012", "123456789012345678901234567890.123456789", "-0.5", "3", "9223372036854775807",
      "-9223372036854775808", "0.15", "0.0000001", "59463"};
    for (String x : vals) {
      BigDecimal bx = new BigDecimal(x);
      out.println("str\t" + x + "\t" + bx.toString());
      for (String y : vals) {
        BigDecimal by = new BigDecimal(y);
        out.println("add\t" + x + "\t" + y + "\t" + bx.add(by));
        out.println("sub\t" + x + "\t" + y + "\t" + bx.subtract(by));
        out.println("mul\t" + x + "\t" + y + "\t" + bx.multiply(by));
        out.println("cmp\t" + x + "\t" + y + "\t" + bx.compareTo(by));
        for (int sc : new int[]{0, 4, 20}) {
          if (by.signum() != 0) {
            out.println("divdown\t" + x + "\t" + y + "\t" + sc + "\t" + bx.divide(by, sc, RoundingMode.DOWN));
            out.println("divup\t" + x + "\t" + y + "\t" + sc + "\t" + bx.divide(by, sc, RoundingMode.UP));
          }
          out.println("muldown\t" + x + "\t" + y + "\t" + sc + "\t" + bx.multiply(by).setScale(sc, RoundingMode.DOWN));
        }
        if (by.signum() != 0) {
          try { out.println("divexact\t" + x + "\t" + y + "\t" + bx.divide(by)); }
          catch (ArithmeticException e) { out.println("divexact\t" + x + "\t" + y + "\tERR"); }
        }
      }
    }
    out.close();
  }
}
