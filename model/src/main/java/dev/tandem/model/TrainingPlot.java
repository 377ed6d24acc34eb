package dev.tandem.model;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;

/** A PNG of training loss (left axis) and validation AUC (right axis) per epoch, best epoch marked. */
final class TrainingPlot {
  private static final int WIDTH = 900;
  private static final int HEIGHT = 520;
  private static final int LEFT = 80;
  private static final int RIGHT = 80;
  private static final int TOP = 60;
  private static final int BOTTOM = 60;
  private static final Color LOSS = new Color(31, 119, 180);
  private static final Color AUC = new Color(214, 39, 40);

  private TrainingPlot() {}

  static void write(Path file, String title, List<TrainingReport.Epoch> epochs, int bestEpoch) throws IOException {
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
      g.setColor(Color.BLACK);
      g.drawString(title, LEFT, 30);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));

      int plotWidth = WIDTH - LEFT - RIGHT;
      int plotHeight = HEIGHT - TOP - BOTTOM;
      g.setColor(Color.GRAY);
      g.drawRect(LEFT, TOP, plotWidth, plotHeight);

      int n = epochs.size();
      double[] lossRange = range(epochs, TrainingReport.Epoch::trainLoss);
      double[] aucRange = range(epochs, TrainingReport.Epoch::validationAuc);
      for (int tick = 0; tick <= 4; tick++) {
        int y = TOP + plotHeight - tick * plotHeight / 4;
        g.setColor(new Color(235, 235, 235));
        g.drawLine(LEFT + 1, y, LEFT + plotWidth - 1, y);
        g.setColor(LOSS);
        label(g, lossRange[0] + tick * (lossRange[1] - lossRange[0]) / 4, LEFT - 8, y, true);
        g.setColor(AUC);
        label(g, aucRange[0] + tick * (aucRange[1] - aucRange[0]) / 4, LEFT + plotWidth + 8, y, false);
      }
      g.setColor(Color.BLACK);
      for (int e = 1; e <= n; e++) {
        String text = Integer.toString(e);
        g.drawString(text, x(e, n, plotWidth) - g.getFontMetrics().stringWidth(text) / 2, TOP + plotHeight + 18);
      }
      g.drawString("epoch", LEFT + plotWidth / 2 - 15, TOP + plotHeight + 40);
      g.setColor(LOSS);
      g.drawString("training loss", 10, TOP - 10);
      g.setColor(AUC);
      g.drawString("validation AUC", LEFT + plotWidth - 40, TOP - 10);

      if (bestEpoch >= 1) {
        int x = x(bestEpoch, n, plotWidth);
        g.setColor(Color.DARK_GRAY);
        g.setStroke(new BasicStroke(1, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {4, 4}, 0));
        g.drawLine(x, TOP, x, TOP + plotHeight);
        g.drawString("kept", x + 4, TOP + 14);
      }
      series(g, epochs, TrainingReport.Epoch::trainLoss, lossRange, LOSS, plotWidth, plotHeight);
      series(g, epochs, TrainingReport.Epoch::validationAuc, aucRange, AUC, plotWidth, plotHeight);
    } finally {
      g.dispose();
    }
    ImageIO.write(image, "png", file.toFile());
  }

  private static int x(int epoch, int epochs, int plotWidth) {
    return epochs == 1 ? LEFT + plotWidth / 2 : LEFT + 20 + (epoch - 1) * (plotWidth - 40) / (epochs - 1);
  }

  /** The finite values' [min, max], padded; [0, 1] when there are none. */
  private static double[] range(List<TrainingReport.Epoch> epochs, ToDoubleFunction<TrainingReport.Epoch> value) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (TrainingReport.Epoch e : epochs) {
      double v = value.applyAsDouble(e);
      if (Double.isFinite(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    if (min > max) {
      return new double[] {0, 1};
    }
    double pad = max > min ? (max - min) * 0.1 : Math.max(Math.abs(max) * 0.1, 1e-3);
    return new double[] {min - pad, max + pad};
  }

  private static void series(Graphics2D g, List<TrainingReport.Epoch> epochs, ToDoubleFunction<TrainingReport.Epoch> value,
      double[] range, Color color, int plotWidth, int plotHeight) {
    g.setColor(color);
    g.setStroke(new BasicStroke(2));
    Path2D line = new Path2D.Double();
    boolean started = false;
    for (int i = 0; i < epochs.size(); i++) {
      double v = value.applyAsDouble(epochs.get(i));
      if (!Double.isFinite(v)) {
        continue;
      }
      int x = x(i + 1, epochs.size(), plotWidth);
      int y = TOP + plotHeight - (int) Math.round((v - range[0]) / (range[1] - range[0]) * plotHeight);
      g.fillOval(x - 4, y - 4, 8, 8);
      if (started) {
        line.lineTo(x, y);
      } else {
        line.moveTo(x, y);
        started = true;
      }
    }
    g.draw(line);
  }

  private static void label(Graphics2D g, double value, int x, int y, boolean alignRight) {
    String text = String.format(Locale.ROOT, "%.4f", value);
    int width = g.getFontMetrics().stringWidth(text);
    g.drawString(text, alignRight ? x - width : x, y + 4);
  }
}
