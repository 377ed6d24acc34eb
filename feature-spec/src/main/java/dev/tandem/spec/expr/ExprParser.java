package dev.tandem.spec.expr;

import dev.tandem.spec.def.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Parses the expression language: SQL-like operators ({@code and or not ! = != <> < <= > >=
 * + - * / %}), {@code x is [not] null}, {@code case when ... then ... else ... end}, function
 * calls with an optional {@code over window}, {@code table.column} names and literals. Errors
 * carry the offset of the offending token.
 */
public final class ExprParser {

  /** A syntax error at an offset of the expression text. */
  public static final class SyntaxError extends Exception {
    public final int at;

    SyntaxError(String message, int at) {
      super(message);
      this.at = at;
    }
  }

  private enum Kind { NAME, NUMBER, STRING, OP, END }

  private record Token(Kind kind, String text, int at) {
    boolean is(String s) {
      return (kind == Kind.OP && text.equals(s)) || (kind == Kind.NAME && text.equalsIgnoreCase(s));
    }
  }

  private static final Set<String> KEYWORDS =
      Set.of("and", "or", "not", "case", "when", "then", "else", "end", "is", "null", "true", "false", "over");

  private final List<Token> tokens;
  private int next;

  private ExprParser(String text) throws SyntaxError {
    this.tokens = tokenize(text);
  }

  public static Ast parse(String text) throws SyntaxError {
    ExprParser p = new ExprParser(text);
    if (p.peek().kind == Kind.END) {
      throw new SyntaxError("empty expression", 0);
    }
    Ast ast = p.or();
    Token t = p.peek();
    if (t.kind != Kind.END) {
      throw new SyntaxError("unexpected '" + t.text + "'", t.at);
    }
    return ast;
  }

  private Token peek() {
    return tokens.get(next);
  }

  private Token take() {
    return tokens.get(next++);
  }

  private boolean accept(String s) {
    if (peek().is(s)) {
      next++;
      return true;
    }
    return false;
  }

  private Token expect(String s) throws SyntaxError {
    Token t = peek();
    if (!t.is(s)) {
      throw new SyntaxError("expected '" + s + "' but found " + describe(t), t.at);
    }
    return take();
  }

  private static String describe(Token t) {
    return t.kind == Kind.END ? "the end of the expression" : "'" + t.text + "'";
  }

  private Ast or() throws SyntaxError {
    Ast left = and();
    while (peek().is("or") || peek().is("||")) {
      Token op = take();
      left = new Ast.Binary("or", left, and(), op.at);
    }
    return left;
  }

  private Ast and() throws SyntaxError {
    Ast left = not();
    while (peek().is("and") || peek().is("&&")) {
      Token op = take();
      left = new Ast.Binary("and", left, not(), op.at);
    }
    return left;
  }

  private Ast not() throws SyntaxError {
    if (peek().is("not")) {
      Token op = take();
      return new Ast.Unary("not", not(), op.at);
    }
    return comparison();
  }

  private Ast comparison() throws SyntaxError {
    Ast left = additive();
    while (true) {
      Token t = peek();
      if (t.kind == Kind.OP && Set.of("=", "==", "!=", "<>", "<", "<=", ">", ">=").contains(t.text)) {
        take();
        String op = switch (t.text) {
          case "==" -> "=";
          case "<>" -> "!=";
          default -> t.text;
        };
        left = new Ast.Binary(op, left, additive(), t.at);
      } else if (t.is("is")) {
        take();
        boolean negated = accept("not");
        expect("null");
        left = new Ast.IsNull(left, negated, t.at);
      } else {
        return left;
      }
    }
  }

  private Ast additive() throws SyntaxError {
    Ast left = multiplicative();
    while (peek().is("+") || peek().is("-")) {
      Token op = take();
      left = new Ast.Binary(op.text, left, multiplicative(), op.at);
    }
    return left;
  }

  private Ast multiplicative() throws SyntaxError {
    Ast left = unary();
    while (peek().is("*") || peek().is("/") || peek().is("%")) {
      Token op = take();
      left = new Ast.Binary(op.text, left, unary(), op.at);
    }
    return left;
  }

  private Ast unary() throws SyntaxError {
    Token t = peek();
    if (t.is("-")) {
      take();
      Ast operand = unary();
      if (operand instanceof Ast.Literal lit && lit.value() instanceof Number) {
        return negate(lit, t.at);
      }
      return new Ast.Unary("-", operand, t.at);
    }
    if (t.is("!")) {
      take();
      return new Ast.Unary("not", unary(), t.at);
    }
    return primary();
  }

  private static Ast negate(Ast.Literal lit, int at) {
    Object v = lit.value();
    Object negated = v instanceof Integer i ? (Object) (-i)
        : v instanceof Long l ? (Object) (-l)
        : (Object) (-(Double) v);
    return new Ast.Literal(negated, lit.type(), at);
  }

  private Ast primary() throws SyntaxError {
    Token t = take();
    switch (t.kind) {
      case NUMBER:
        return number(t);
      case STRING:
        return new Ast.Literal(t.text, Type.STRING, t.at);
      case OP:
        if (t.text.equals("(")) {
          Ast inner = or();
          expect(")");
          return inner;
        }
        throw new SyntaxError("unexpected '" + t.text + "'", t.at);
      case END:
        throw new SyntaxError("unexpected end of the expression", t.at);
      default:
        break;
    }
    String word = t.text.toLowerCase(Locale.ROOT);
    switch (word) {
      case "null":
        return new Ast.Literal(null, Type.NULL, t.at);
      case "true":
        return new Ast.Literal(true, Type.BOOL, t.at);
      case "false":
        return new Ast.Literal(false, Type.BOOL, t.at);
      case "case":
        return caseExpr(t);
      default:
        break;
    }
    if (KEYWORDS.contains(word) && !t.text.startsWith("`")) {
      throw new SyntaxError("unexpected '" + t.text + "'", t.at);
    }
    String name = unquote(t.text);
    if (accept("(")) {
      List<Ast> args = new ArrayList<>();
      if (!accept(")")) {
        do {
          args.add(or());
        } while (accept(","));
        expect(")");
      }
      String over = null;
      int overAt = -1;
      if (accept("over")) {
        Token w = take();
        if (w.kind != Kind.NAME) {
          throw new SyntaxError("expected a window name after 'over' but found " + describe(w), w.at);
        }
        over = unquote(w.text);
        overAt = w.at;
      }
      return new Ast.Call(name.toLowerCase(Locale.ROOT), args, over, overAt, t.at);
    }
    if (accept(".")) {
      Token column = take();
      if (column.kind != Kind.NAME) {
        throw new SyntaxError("expected a column name after '" + name + ".' but found " + describe(column), column.at);
      }
      return new Ast.Name(name, unquote(column.text), t.at);
    }
    return new Ast.Name(null, name, t.at);
  }

  private Ast caseExpr(Token start) throws SyntaxError {
    List<Ast> conditions = new ArrayList<>();
    List<Ast> results = new ArrayList<>();
    if (!peek().is("when")) {
      throw new SyntaxError("expected 'when' after 'case' but found " + describe(peek()), peek().at);
    }
    while (accept("when")) {
      conditions.add(or());
      expect("then");
      results.add(or());
    }
    Ast otherwise = accept("else") ? or() : null;
    expect("end");
    return new Ast.Case(conditions, results, otherwise, start.at);
  }

  private static Ast number(Token t) throws SyntaxError {
    String s = t.text;
    try {
      if (s.contains(".") || s.contains("e") || s.contains("E")) {
        return new Ast.Literal(Double.parseDouble(s), Type.DOUBLE, t.at);
      }
      long v = Long.parseLong(s);
      if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
        return new Ast.Literal((int) v, Type.INT, t.at);
      }
      return new Ast.Literal(v, Type.BIGINT, t.at);
    } catch (NumberFormatException e) {
      throw new SyntaxError("bad number '" + s + "'", t.at);
    }
  }

  private static String unquote(String name) {
    return name.startsWith("`") ? name.substring(1, name.length() - 1) : name;
  }

  private static List<Token> tokenize(String s) throws SyntaxError {
    List<Token> out = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (Character.isLetter(c) || c == '_') {
        int j = i + 1;
        while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
          j++;
        }
        out.add(new Token(Kind.NAME, s.substring(i, j), i));
        i = j;
      } else if (c == '`') {
        int j = s.indexOf('`', i + 1);
        if (j < 0) {
          throw new SyntaxError("unterminated `name`", i);
        }
        out.add(new Token(Kind.NAME, s.substring(i, j + 1), i));
        i = j + 1;
      } else if (Character.isDigit(c)) {
        int j = i + 1;
        while (j < s.length() && (Character.isDigit(s.charAt(j)) || s.charAt(j) == '.'
            || ((s.charAt(j) == 'e' || s.charAt(j) == 'E') && j + 1 < s.length()))) {
          if ((s.charAt(j) == 'e' || s.charAt(j) == 'E') && (s.charAt(j + 1) == '-' || s.charAt(j + 1) == '+')) {
            j++;
          }
          j++;
        }
        out.add(new Token(Kind.NUMBER, s.substring(i, j), i));
        i = j;
      } else if (c == '\'' || c == '"') {
        StringBuilder sb = new StringBuilder();
        int j = i + 1;
        while (true) {
          if (j >= s.length()) {
            throw new SyntaxError("unterminated string", i);
          }
          char d = s.charAt(j);
          if (d == c) {
            if (j + 1 < s.length() && s.charAt(j + 1) == c) { // doubled quote escapes itself
              sb.append(c);
              j += 2;
              continue;
            }
            break;
          }
          sb.append(d);
          j++;
        }
        out.add(new Token(Kind.STRING, sb.toString(), i));
        i = j + 1;
      } else {
        String two = i + 1 < s.length() ? s.substring(i, i + 2) : "";
        if (Set.of("==", "!=", "<>", "<=", ">=", "||", "&&").contains(two)) {
          out.add(new Token(Kind.OP, two, i));
          i += 2;
        } else if ("()+-*/%=<>!,.".indexOf(c) >= 0) {
          out.add(new Token(Kind.OP, String.valueOf(c), i));
          i++;
        } else {
          throw new SyntaxError("unexpected character '" + c + "'", i);
        }
      }
    }
    out.add(new Token(Kind.END, "", s.length()));
    return out;
  }
}
