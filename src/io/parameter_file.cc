// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Reading one parameter file (.prm or .json) with one-line error messages.

#include <camfrac/io/errors.h>
#include <camfrac/io/parameter_file.h>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include <algorithm>
#include <cstdlib>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace camfrac
{
  using namespace dealii;

  namespace
  {
    // deal.II's JSON reader reports a bad value without naming its entry.
    // Translating the JSON tree (plain values, or objects with a "value" as
    // printed by --print-parameters json) into .prm text lets the .prm
    // parser name the entry in its message.
    void append_prm(const boost::property_tree::ptree &node, std::ostringstream &out, const unsigned int depth)
    {
      const std::string indent(2 * depth, ' ');
      for (const auto &[name, child] : node)
        {
          const auto value = child.get_child_optional("value");
          if (child.empty() || (value && value->empty()))
            out << indent << "set " << name << " = " << (child.empty() ? child.data() : value->data()) << '\n';
          else
            {
              out << indent << "subsection " << name << '\n';
              append_prm(child, out, depth + 1);
              out << indent << "end\n";
            }
        }
    }
  } // namespace

  std::string json_to_prm(const std::string &file_name)
  {
    boost::property_tree::ptree tree;
    try
      {
        boost::property_tree::read_json(file_name, tree);
      }
    catch (const std::exception &error)
      {
        throw InputError("parameter file '" + file_name + "' is not valid JSON: " + error.what());
      }
    std::ostringstream out;
    append_prm(tree, out, 0);
    return out.str();
  }

  namespace
  {
    std::string trimmed(const std::string &text)
    {
      const auto first = text.find_first_not_of(" \t\r");
      if (first == std::string::npos)
        return "";
      const auto last = text.find_last_not_of(" \t\r");
      return text.substr(first, last - first + 1);
    }

    // The words of @p text separated by single spaces (deal.II compares
    // names after collapsing whitespace).
    std::string normalized(const std::string &text)
    {
      std::istringstream in(text);
      std::string        word, result;
      while (in >> word)
        result += (result.empty() ? "" : " ") + word;
      return result;
    }
  } // namespace

  std::string move_entries(const std::string &text, const std::vector<MovedEntry> &moved,
                           std::vector<unsigned int> *line_of)
  {
    std::istringstream       in(text);
    std::ostringstream       out;
    std::vector<std::string> path;
    std::string              line;
    unsigned int             number = 0;
    if (line_of != nullptr)
      line_of->clear();
    const auto emit = [&](const std::string &output) {
      out << output << '\n';
      if (line_of != nullptr)
        line_of->push_back(number);
    };
    while (std::getline(in, line))
      {
        ++number;
        const std::string statement = trimmed(line.substr(0, line.find('#')));
        if (statement.rfind("subsection ", 0) == 0 || statement.rfind("subsection\t", 0) == 0)
          path.push_back(normalized(statement.substr(10)));
        else if (statement == "end" && !path.empty())
          path.pop_back();
        else if (statement.rfind("set ", 0) == 0 && statement.find('=') != std::string::npos)
          {
            const std::string name = normalized(statement.substr(4, statement.find('=') - 4));
            std::string       section;
            for (const auto &p : path)
              section += (section.empty() ? "" : "/") + p;
            const auto entry = std::find_if(moved.begin(), moved.end(), [&](const MovedEntry &m) {
              return m.section == section && m.old_name == name;
            });
            if (entry != moved.end())
              {
                emit("subsection " + entry->subsection);
                emit("  set " + entry->new_name + " = " + trimmed(statement.substr(statement.find('=') + 1)));
                emit("end");
                continue;
              }
          }
        emit(line);
      }
    return out.str();
  }

  void parse_parameter_input(ParameterHandler &prm, const std::string &file_name, const std::vector<MovedEntry> &moved)
  {
    if (!std::filesystem::is_regular_file(file_name))
      throw InputError("parameter file '" + file_name + "' not found");
    const auto extension = std::filesystem::path(file_name).extension().string();
    if (extension != ".prm" && extension != ".json")
      throw InputError("parameter file '" + file_name + "' must end in .prm or .json");
    std::vector<unsigned int> line_of; // rewritten .prm line -> line of the file
    try
      {
        if (extension == ".json")
          prm.parse_input_from_string(move_entries(json_to_prm(file_name), moved));
        else
          {
            std::ifstream      file(file_name);
            std::ostringstream text;
            text << file.rdbuf();
            const std::string moved_text = move_entries(text.str(), moved, &line_of);
            if (moved_text == text.str() || moved_text == text.str() + "\n")
              prm.parse_input(file_name, "", false, false);
            else
              prm.parse_input_from_string(moved_text); // an older layout
          }
      }
    catch (const InputError &)
      {
        throw;
      }
    catch (const std::exception &error)
      {
        std::string message = one_line_message(error);
        const std::string translated = " of file <input string>";
        const auto        pos        = message.find(translated);
        const auto        start      = pos == std::string::npos ? pos : message.rfind("Line <", pos);
        if (start != std::string::npos)
          {
            const auto line = std::strtoul(message.c_str() + start + 6, nullptr, 10);
            if (!line_of.empty() && line >= 1 && line <= line_of.size())
              // .prm text of an older layout, rewritten: the line of the file.
              message.replace(start, pos + translated.size() - start,
                              "Line <" + std::to_string(line_of[line - 1]) + "> of file <" + file_name + ">");
            else
              // JSON input was translated to .prm text: its line numbers mean nothing.
              message.erase(start, pos + translated.size() + 2 - start);
          }
        throw InputError("parameter file '" + file_name + "': " + message);
      }
  }
} // namespace camfrac
