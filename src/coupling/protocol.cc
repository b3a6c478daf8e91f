// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// The cycling protocol: its grammar (docs/user-guide.md, "Protocols").

#include <camfrac/coupling/protocol.h>
#include <camfrac/io/errors.h>

#include <deal.II/base/utilities.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace camfrac
{
  namespace
  {
    struct Token
    {
      bool        is_number = false;
      double      number    = 0.;
      std::string word;
    };

    std::vector<Token> tokenize(const std::string &text, const std::string &context)
    {
      std::vector<Token> tokens;
      std::size_t        k = 0;
      while (k < text.size())
        {
          const char ch = text[k];
          if (std::isspace(static_cast<unsigned char>(ch)))
            ++k;
          else if (std::isdigit(static_cast<unsigned char>(ch)) || ch == '.' ||
                   ((ch == '+' || ch == '-') && k + 1 < text.size() &&
                    (std::isdigit(static_cast<unsigned char>(text[k + 1])) || text[k + 1] == '.')))
            {
              const char *begin = text.c_str() + k;
              char       *end   = nullptr;
              const double v    = std::strtod(begin, &end);
              if (end == begin)
                throw InputError(context + ": cannot read a number at '" + text.substr(k) + "'");
              tokens.push_back({true, v, ""});
              k += end - begin;
            }
          else if (std::isalpha(static_cast<unsigned char>(ch)))
            {
              std::string word;
              while (k < text.size() && std::isalpha(static_cast<unsigned char>(text[k])))
                word += static_cast<char>(std::tolower(static_cast<unsigned char>(text[k++])));
              tokens.push_back({false, 0., word});
            }
          else if (ch == '/')
            {
              tokens.push_back({false, 0., "/"});
              ++k;
            }
          else
            throw InputError(context + ": unexpected character '" + std::string(1, ch) + "'");
        }
      return tokens;
    }

    class StepParser
    {
    public:
      StepParser(const std::string &text, const std::string &context)
        : tokens(tokenize(text, context))
        , context(context)
      {}

      bool at_end() const { return position >= tokens.size(); }
      bool next_is(const std::string &word) const
      {
        return !at_end() && !tokens[position].is_number && tokens[position].word == word;
      }
      std::string next_description() const
      {
        if (at_end())
          return "the end of the step";
        return tokens[position].is_number ? "a number" : "'" + tokens[position].word + "'";
      }
      [[noreturn]] void fail(const std::string &expected) const
      {
        throw InputError(context + ": expected " + expected + " but found " + next_description());
      }
      std::string word()
      {
        if (at_end() || tokens[position].is_number)
          fail("a keyword (charge, discharge, hold, rest)");
        return tokens[position++].word;
      }
      void expect(const std::string &word)
      {
        if (!next_is(word))
          fail("'" + word + "'");
        ++position;
      }

      CurrentSpec current()
      {
        CurrentSpec spec;
        if (next_is("c"))
          {
            ++position;
            if (next_is("/"))
              {
                ++position;
                if (at_end() || !tokens[position].is_number || !(tokens[position].number > 0.))
                  fail("a positive number after 'C/'");
                spec.value = 1. / tokens[position++].number;
              }
            else
              spec.value = 1.;
            return spec;
          }
        if (at_end() || !tokens[position].is_number)
          fail("a current such as '1C', 'C/20' or '2 nA'");
        const double value = tokens[position++].number;
        if (!(value > 0.) || !std::isfinite(value))
          throw InputError(context + ": a current must be positive and finite (the step's keyword sets its sign)");
        static const std::vector<std::pair<std::string, double>> amperes = {
          {"a", 1.}, {"ma", 1e-3}, {"ua", 1e-6}, {"na", 1e-9}, {"pa", 1e-12}};
        if (next_is("c"))
          {
            ++position;
            spec.value = value;
            return spec;
          }
        for (const auto &[unit, factor] : amperes)
          if (next_is(unit))
            {
              ++position;
              spec.value     = value * factor;
              spec.is_c_rate = false;
              return spec;
            }
        fail("a current unit ('C', 'A', 'mA', 'uA', 'nA' or 'pA')");
      }

      double voltage()
      {
        if (at_end() || !tokens[position].is_number)
          fail("a voltage such as '4.3 V'");
        double value = tokens[position++].number;
        if (next_is("v"))
          ++position;
        else if (next_is("mv"))
          {
            ++position;
            value *= 1e-3;
          }
        else
          fail("a voltage unit ('V' or 'mV')");
        if (!(value > 0.) || value > 10.)
          throw InputError(context + ": the voltage " + std::to_string(value) + " V is outside (0, 10] V");
        return value;
      }

      double duration()
      {
        if (at_end() || !tokens[position].is_number)
          fail("a duration such as '10 min'");
        const double value = tokens[position++].number;
        if (!(value > 0.))
          throw InputError(context + ": a duration must be positive");
        static const std::vector<std::pair<std::string, double>> units = {
          {"s", 1.}, {"sec", 1.}, {"min", 60.}, {"h", 3600.}, {"hr", 3600.}, {"hours", 3600.}, {"hour", 3600.}};
        for (const auto &[unit, factor] : units)
          if (next_is(unit))
            {
              ++position;
              if (!std::isfinite(value * factor))
                throw InputError(context + ": the duration is not a finite number");
              return value * factor;
            }
        fail("a time unit ('s', 'min' or 'h')");
      }

    private:
      std::vector<Token> tokens;
      std::size_t        position = 0;
      std::string        context;
    };

  } // namespace

  Protocol Protocol::parse(const std::string &text, const unsigned int cycles)
  {
    Protocol protocol;
    protocol.cycles = cycles;
    std::stringstream stream(text);
    std::string       item;
    unsigned int      index = 0;
    while (std::getline(stream, item, ';'))
      {
        ++index;
        item = dealii::Utilities::trim(item);
        const std::string context =
          "parameter 'Protocol/Steps', step " + std::to_string(index) + " '" + item + "'";
        if (item.empty())
          throw InputError("parameter 'Protocol/Steps', step " + std::to_string(index) + " is empty");
        StepParser   parser(item, context);
        ProtocolStep step;
        step.text             = item;
        const std::string key = parser.word();
        if (key == "charge" || key == "discharge")
          {
            step.kind    = key == "charge" ? ProtocolStep::Kind::charge : ProtocolStep::Kind::discharge;
            step.current = parser.current();
            if (parser.next_is("until"))
              {
                parser.expect("until");
                step.voltage = parser.voltage();
              }
            if (parser.next_is("for"))
              {
                parser.expect("for");
                step.duration = parser.duration();
              }
            if (std::isnan(step.voltage) && std::isinf(step.duration))
              throw InputError(context + ": a " + key + " step needs 'until <voltage>', 'for <duration>' or both");
          }
        else if (key == "hold")
          {
            step.kind    = ProtocolStep::Kind::hold;
            step.voltage = parser.voltage();
            if (parser.next_is("until"))
              {
                parser.expect("until");
                step.current           = parser.current();
                step.has_current_limit = true;
              }
            if (parser.next_is("for"))
              {
                parser.expect("for");
                step.duration = parser.duration();
              }
            if (!step.has_current_limit && std::isinf(step.duration))
              throw InputError(context + ": a hold step needs 'until <current>', 'for <duration>' or both");
          }
        else if (key == "rest")
          {
            step.kind = ProtocolStep::Kind::rest;
            if (parser.next_is("for"))
              parser.expect("for");
            step.duration = parser.duration();
          }
        else
          throw InputError(context + ": unknown step '" + key + "' (use charge, discharge, hold or rest)");
        if (!parser.at_end())
          parser.fail("the end of the step (steps are separated by ';')");
        protocol.steps.push_back(step);
      }
    if (protocol.steps.empty())
      throw InputError("parameter 'Protocol/Steps' holds no step");
    return protocol;
  }

  void Protocol::declare_parameters(dealii::ParameterHandler &prm)
  {
    prm.enter_subsection("Protocol");
    prm.declare_entry("Steps", "charge 1C until 4.3 V; hold 4.3 V until C/20; rest 10 min; discharge 1C until 3.5 V",
                      dealii::Patterns::Anything(),
                      "The cycling protocol: steps separated by ';'. Each step is one of "
                      "'charge <I> [until <V>] [for <t>]', 'discharge <I> [until <V>] [for <t>]', "
                      "'hold <V> [until <I>] [for <t>]', 'rest <t>'. <I> is a C-rate ('1C', '0.5 C', 'C/20') or a "
                      "current ('2 nA'), <V> a voltage ('4.3 V', '4300 mV'), <t> a time ('30 s', '10 min', '2 h'). "
                      "Charge delithiates (positive current). A step ends at whichever of its limits comes first.");
    prm.declare_entry("Number of cycles", "1", dealii::Patterns::Integer(1), "How many times the step list runs [-], >= 1.");
    prm.leave_subsection();
  }

  Protocol Protocol::from_parameters(dealii::ParameterHandler &prm)
  {
    prm.enter_subsection("Protocol");
    const std::string  steps  = prm.get("Steps");
    const unsigned int cycles = prm.get_integer("Number of cycles");
    prm.leave_subsection();
    return parse(steps, cycles);
  }

  double Protocol::remaining_time_estimate(const unsigned int cycle_now, const unsigned int step_now,
                                           const double soc) const
  {
    double remaining = 0.;
    for (unsigned int cycle = cycle_now; cycle <= cycles; ++cycle)
      for (unsigned int k = 0; k < steps.size(); ++k)
        {
          if (cycle == cycle_now && k + 1 < step_now)
            continue;
          const auto &step    = steps[k];
          const bool  current = cycle == cycle_now && k + 1 == step_now;
          double      t       = step.duration;
          if (step.kind == ProtocolStep::Kind::charge || step.kind == ProtocolStep::Kind::discharge)
            {
              const double window = current ? (step.kind == ProtocolStep::Kind::charge ? 1. - soc : soc) : 1.;
              if (step.current.is_c_rate)
                t = std::min(t, std::max(window, 0.) / step.current.value * 3600.);
            }
          else if (step.kind == ProtocolStep::Kind::hold)
            t = std::min(t, 1800.);
          if (std::isinf(t))
            t = 3600.;
          remaining += t;
        }
    return remaining;
  }
} // namespace camfrac
