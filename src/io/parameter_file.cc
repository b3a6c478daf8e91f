// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// Reading one parameter file (.prm or .json) with one-line error messages.

#include <camfrac/io/errors.h>
#include <camfrac/io/parameter_file.h>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include <filesystem>
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

  void parse_parameter_input(ParameterHandler &prm, const std::string &file_name)
  {
    if (!std::filesystem::is_regular_file(file_name))
      throw InputError("parameter file '" + file_name + "' not found");
    const auto extension = std::filesystem::path(file_name).extension().string();
    if (extension != ".prm" && extension != ".json")
      throw InputError("parameter file '" + file_name + "' must end in .prm or .json");
    try
      {
        if (extension == ".json")
          prm.parse_input_from_string(json_to_prm(file_name));
        else
          prm.parse_input(file_name, "", false, false);
      }
    catch (const InputError &)
      {
        throw;
      }
    catch (const std::exception &error)
      {
        std::string message = one_line_message(error);
        // JSON input was translated to .prm text: its line numbers mean nothing.
        const std::string translated = " of file <input string>";
        if (const auto pos = message.find(translated); pos != std::string::npos)
          {
            const auto start = message.rfind("Line <", pos);
            message.erase(start, pos + translated.size() + 2 - start);
          }
        throw InputError("parameter file '" + file_name + "': " + message);
      }
  }
} // namespace camfrac
