package dev.tandem.model;

import java.util.List;

/** The shape of a DeepFM: ids per row, hashed table rows, embedding width, hidden layer widths. */
record Architecture(int fields, int tableSize, int embeddingDim, List<Integer> dnn) {
  Architecture {
    dnn = List.copyOf(dnn);
  }
}
