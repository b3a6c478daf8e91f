// SPDX-License-Identifier: LGPL-2.1-or-later
// Copyright (C) 2026 the camfrac authors
//
// The text part of a checkpoint: the runner's state, the model's scalars,
// the output counters, history.csv and the XDMF entries (docs/hpc.md).

#include <camfrac/coupling/history_row.h>
#include <camfrac/coupling/restart_record.h>
#include <camfrac/io/errors.h>

#include <boost/archive/text_iarchive.hpp>
#include <boost/archive/text_oarchive.hpp>
#include <boost/serialization/vector.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace camfrac
{
  namespace
  {
    const char *checkpoint_format = "camfrac-checkpoint-1";

    std::string exact(const double x)
    {
      std::ostringstream out;
      out << std::hexfloat << x;
      return out.str();
    }
  } // namespace

  void RestartRecord::write(const std::string &directory, const int dim, const unsigned int ranks,
                            const std::string &run_prm) const
  {
    std::filesystem::copy_file(run_prm, directory + "/run.prm");
    {
      std::ofstream out(directory + "/history.csv");
      out << HistoryRow::header() << '\n' << history_rows;
    }
    std::ofstream(directory + "/xrd_rows.txt") << xrd_rows;
    std::ofstream(directory + "/xrd_histogram_rows.txt") << xrd_histogram_rows;
    {
      std::ofstream                 out(directory + "/xdmf.txt");
      boost::archive::text_oarchive archive(out);
      for (const auto &entries : xdmf)
        archive << entries;
    }
    std::ofstream out(directory + "/state.txt.tmp");
    const auto   &r = runner;
    out << checkpoint_format << '\n'
        << "dimension " << dim << '\n'
        << "ranks " << ranks << '\n'
        << "cycle " << r.cycle << '\n'
        << "protocol_step " << r.protocol_step << '\n'
        << "elapsed " << exact(r.elapsed) << '\n'
        << "time_step " << exact(r.time_step) << '\n'
        << "previous_distance " << exact(r.previous_distance) << '\n'
        << "time " << exact(r.time) << '\n'
        << "last_voltage " << exact(r.last_voltage) << '\n'
        << "accepted_steps " << r.accepted_steps << '\n'
        << "potential " << exact(scalars.potential) << '\n'
        << "staggered_iterations " << scalars.staggered_iterations << '\n'
        << "field_index " << field_index << '\n'
        << "last_field_time " << exact(last_field_time) << '\n';
    out.close();
    if (!out)
      throw InputError("cannot write the checkpoint in '" + directory + "'");
    std::filesystem::rename(directory + "/state.txt.tmp", directory + "/state.txt");
  }

  RestartRecord RestartRecord::read(const std::string &directory)
  {
    // Every rank reads the small text files itself.
    const auto fail = [&](const std::string &what) {
      return InputError("--restart: checkpoint '" + directory + "' is unreadable (" + what + ")");
    };
    std::map<std::string, std::string> values;
    {
      std::ifstream in(directory + "/state.txt");
      std::string   format;
      if (!(in >> format) || format != checkpoint_format)
        throw fail("state.txt is missing or of another format");
      std::string key, value;
      while (in >> key >> value)
        values[key] = value;
    }
    const auto number = [&](const std::string &key) {
      const auto it = values.find(key);
      if (it == values.end())
        throw fail("no '" + key + "' in state.txt");
      return std::strtod(it->second.c_str(), nullptr);
    };
    RestartRecord data;
    data.runner.cycle                 = number("cycle");
    data.runner.protocol_step         = number("protocol_step");
    data.runner.elapsed               = number("elapsed");
    data.runner.time_step             = number("time_step");
    data.runner.previous_distance     = number("previous_distance");
    data.runner.time                  = number("time");
    data.runner.last_voltage          = number("last_voltage");
    data.runner.accepted_steps        = number("accepted_steps");
    data.scalars.potential            = number("potential");
    data.scalars.staggered_iterations = number("staggered_iterations");
    data.field_index                  = number("field_index");
    data.last_field_time              = number("last_field_time");
    {
      std::ifstream     in(directory + "/history.csv");
      std::stringstream text;
      text << in.rdbuf();
      std::string rows = text.str();
      const auto  eol  = rows.find('\n');
      if (!in || eol == std::string::npos)
        throw fail("history.csv is missing");
      data.history_rows = rows.substr(eol + 1);
    }
    // Older checkpoints have no XRD rows: start those files afresh.
    for (auto [file, rows] : {std::pair{"/xrd_rows.txt", &data.xrd_rows},
                              std::pair{"/xrd_histogram_rows.txt", &data.xrd_histogram_rows}})
      if (std::ifstream in(directory + file); in)
        {
          std::stringstream text;
          text << in.rdbuf();
          *rows = text.str();
        }
    try
      {
        std::ifstream                 in(directory + "/xdmf.txt");
        boost::archive::text_iarchive archive(in);
        for (auto &entries : data.xdmf)
          archive >> entries;
      }
    catch (const std::exception &)
      {
        throw fail("xdmf.txt is missing or damaged");
      }
    return data;
  }
} // namespace camfrac
