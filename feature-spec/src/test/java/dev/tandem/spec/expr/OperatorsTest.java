package dev.tandem.spec.expr;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.tandem.spec.def.Type;
import org.junit.jupiter.api.Test;


/** Operators resolved at compile time keep SQL's and Java's rules for each type. */
class OperatorsTest {
  @Test
  void integerArithmeticWrapsAsItsTypeAndModuloByZeroIsNull() {
    assertThat(Operators.arithmetic('+', Type.INT).apply(Integer.MAX_VALUE, 1), equalTo(Integer.MIN_VALUE));
    assertThat(Operators.arithmetic('*', Type.BIGINT).apply(Long.MAX_VALUE, 2L), equalTo(-2L));
    assertThat(Operators.arithmetic('%', Type.INT).apply(7, -4), equalTo(3));
    assertThat(Operators.arithmetic('%', Type.BIGINT).apply(7L, 0L), nullValue());
  }

  @Test
  void realArithmeticRoundsFloatsAndDivisionByZeroIsNull() {
    assertThat(Operators.arithmetic('-', Type.FLOAT).apply(0.3f, 0.1f), equalTo(0.3f - 0.1f));
    assertThat(Operators.arithmetic('/', Type.DOUBLE).apply(1.0, 4.0), equalTo(0.25));
    assertThat(Operators.arithmetic('/', Type.DOUBLE).apply(1.0, -0.0), nullValue());
    assertThat(Operators.arithmetic('%', Type.DOUBLE).apply(5.5, 0.0), nullValue());
  }

  @Test
  void comparisonsTestTheSignOfTheOrderAndNegationKeepsTheType() {
    assertThat(Operators.comparison("<=").test(0), equalTo(true));
    assertThat(Operators.comparison("!=").test(0), equalTo(false));
    assertThat(Operators.comparison(">").test(-1), equalTo(false));
    assertThat(Operators.negation(Type.FLOAT).apply(0.0f), equalTo(-0.0f));
    assertThat(Operators.negation(Type.BIGINT).apply(5L), equalTo(-5L));
  }
}
