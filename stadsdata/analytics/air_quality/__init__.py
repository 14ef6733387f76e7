"""Air-quality exceedance reports (issue 17, Zwolle and Eersel): NO2, PM10 and PM2.5 streams against
the limit values of EU directive 2008/50/EC, the 2030 values of directive (EU) 2024/2881 and the WHO
2021 guidelines, with the directive's data-coverage rules (`docs/analytics.md`, "Air quality")."""
